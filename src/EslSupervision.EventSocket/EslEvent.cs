using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using EslSupervision.EventSocket.Protocol;

namespace EslSupervision.EventSocket;

/// <summary>
/// One event received from FreeSWITCH (or built in code, for tests). Header names are matched
/// case-insensitively and their order is never assumed; values are url-decoded to UTF-8 when read.
/// </summary>
/// <remarks>
/// Events are immutable and safe to share between threads. A plain event keeps the bytes it arrived in and
/// indexes them on first access, so holding on to events costs about their wire size.
/// </remarks>
public sealed class EslEvent
{
    private const string VariablePrefix = "variable_";
    private static readonly byte[] EventNameLine = "Event-Name: "u8.ToArray();

    // Replaced once, when a loaned event is copied out of its chunk (TakeOwnership), before any user sees it.
    private IHeaderSource _headers;
    private readonly string? _decodedBody;
    private string? _eventName;
    private string? _uniqueId;
    private string? _body;

    // Set while the bytes live in a shared chunk of the connection (see BodyChunkPool); null once the event owns
    // them. _holds counts who may still deliver the loaned event: the read loop's batch and each buffer holding it.
    private BodyChunk? _loan;
    private int _holds;

    // The copy a buffer delivered instead of this loaned instance, kept only while other buffers may deliver it too.
    private EslEvent? _copy;

    private EslEvent(IHeaderSource headers, EslEventFormat format, string? decodedBody)
    {
        _headers = headers;
        Format = format;
        _decodedBody = decodedBody;
    }

    /// <summary>The serialization the event arrived in.</summary>
    public EslEventFormat Format { get; }

    /// <summary>The size of the event as it arrived (its frame body), for buffers bounded by bytes.</summary>
    internal int WireSize { get; set; }

    /// <summary>The <c>Event-Name</c> header (for example <c>CHANNEL_PARK</c>), or an empty string if missing.</summary>
    public string EventName => _eventName ??= ReadEventName();

    /// <summary>The <c>Event-Subclass</c> header of <c>CUSTOM</c> events, if any.</summary>
    public string? Subclass => this["Event-Subclass"];

    /// <summary>The <c>Unique-ID</c> header: the channel the event is about, if any.</summary>
    public string? UniqueId
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => _uniqueId ??= this["Unique-ID"];
    }

    /// <summary>The number of headers.</summary>
    public int HeaderCount => _headers.Count;

    /// <summary>The value of a header (url-decoded), or <see langword="null"/> if the event has no such header.</summary>
    /// <param name="name">The header name; case-insensitive.</param>
    public string? this[string name]
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get
        {
            ArgumentNullException.ThrowIfNull(name);
            return _headers.Find(default, name);
        }
    }

    /// <summary>Reads a header.</summary>
    /// <param name="name">The header name; case-insensitive.</param>
    /// <param name="value">The url-decoded value when found.</param>
    /// <returns><see langword="true"/> if the event carries the header.</returns>
    public bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
    {
        value = this[name];
        return value is not null;
    }

    /// <summary>
    /// The value of the channel variable <paramref name="name"/> (the <c>variable_</c>-prefixed header), or
    /// <see langword="null"/>. FreeSWITCH writes an empty value as <c>_undef_</c>; that is returned as it is.
    /// </summary>
    /// <param name="name">The variable name without the <c>variable_</c> prefix, e.g. <c>user_name</c>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string? GetVariable(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _headers.Find(VariablePrefix, name);
    }

    /// <summary>
    /// The items of an array header (<c>ARRAY::a|:b</c>), or a single item for a plain value, or an empty
    /// array if the header is missing.
    /// </summary>
    /// <param name="name">The header name; case-insensitive.</param>
    public IReadOnlyList<string> GetArray(string name)
    {
        string? value = this[name];
        if (value is null)
        {
            return [];
        }

        return value.StartsWith("ARRAY::", StringComparison.Ordinal)
            ? value["ARRAY::".Length..].Split("|:")
            : [value];
    }

    /// <summary>The event's body (after its own <c>Content-Length</c>), decoded as UTF-8; <see langword="null"/> if it has none.</summary>
    /// <remarks>For <c>BACKGROUND_JOB</c> this is the command's output.</remarks>
    public string? Body => _decodedBody ?? (_body ??= PlainBody() is { } bytes ? Encoding.UTF8.GetString(bytes.Span) : null);

    /// <summary>The event's body as the bytes that arrived; empty if it has none.</summary>
    public ReadOnlyMemory<byte> BodyBytes => _decodedBody is not null
        ? Encoding.UTF8.GetBytes(_decodedBody)
        : PlainBody() ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>Every header in the order it arrived, decoded.</summary>
    public IEnumerable<KeyValuePair<string, string>> Headers
    {
        get
        {
            for (int i = 0; i < _headers.Count; i++)
            {
                yield return new KeyValuePair<string, string>(_headers.GetName(i), _headers.GetValue(i));
            }
        }
    }

    /// <summary>
    /// Builds an event from headers and an optional body, for tests and for consumers that mock a connection.
    /// </summary>
    /// <param name="headers">The headers, in order. Values are taken as they are (not url-encoded).</param>
    /// <param name="body">An optional body.</param>
    public static EslEvent Create(IEnumerable<KeyValuePair<string, string>> headers, string? body = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var list = new HeaderList(headers.ToArray());
        return new EslEvent(list, EslEventFormat.Plain, body) { WireSize = list.ApproximateSize() + (body?.Length ?? 0) };
    }

    /// <summary>A short description: the event name and channel, never the header values (they can hold phone numbers).</summary>
    public override string ToString() => UniqueId is { } uuid ? $"{EventName} ({uuid})" : EventName;

    /// <summary>
    /// Wraps the body of a <c>text/event-plain</c> frame: a url-encoded header block, then, if the inner
    /// block has a <c>Content-Length</c>, that many bytes of body. Takes ownership of <paramref name="frameBody"/>.
    /// </summary>
    internal static EslEvent FromPlain(byte[] frameBody) => FromPlain(frameBody, 0, frameBody.Length);

    /// <summary>
    /// Wraps a plain event frame whose body is a slice of a connection's shared chunk. The event is on loan: it
    /// must be copied out (<see cref="TakeOwnership"/>) before anyone outside the library sees it, and it starts
    /// with one hold (the read loop's batch), released by <see cref="ReleaseHold"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static EslEvent FromPlain(BodyChunk chunk, int start, int length)
    {
        EslEvent e = FromPlain(chunk.Data, start, length);
        e._holds = 1;
        e._loan = chunk;
        return e;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static EslEvent FromPlain(byte[] data, int start, int length)
        => new(HeaderBlock.OfPlainEvent(data, start, length), EslEventFormat.Plain, null) { WireSize = length };

    /// <summary>True while the event's bytes still live in a connection's shared chunk.</summary>
    internal bool IsOnLoan => Volatile.Read(ref _loan) is not null;

    /// <summary>
    /// Copies a loaned event's bytes into its own array and gives its share of the chunk back, so the event stays
    /// valid however long it is kept. Called before the event is handed to anything outside the library (on
    /// delivery by a buffer, or to a waiting execution); the caller holds a hold, so the chunk is still intact.
    /// Safe to race: the first caller copies, the others find it done. A no-op for events that own their bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void TakeOwnership()
    {
        BodyChunk? loan = Volatile.Read(ref _loan);
        if (loan is null)
        {
            return;
        }

        lock (loan)
        {
            if (_loan is null)
            {
                return;
            }

            _headers = CopyOut(loan);

            // Published last: a thread that reads _loan as null sees the new fields.
            Volatile.Write(ref _loan, null);
        }

        loan.Release();
    }

    /// <summary>One more holder (a buffer that queued the event) may deliver it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void AddHold()
    {
        if (Volatile.Read(ref _loan) is not null)
        {
            Interlocked.Increment(ref _holds);
        }
    }

    /// <summary>
    /// A holder is done without delivering (the batch was handed over, a buffer dropped or cleared the event).
    /// When the last holder goes and nobody took the event, nobody can: its share of the chunk is given back and
    /// the event is emptied, so even a bug that reached it later could never read another event's bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void ReleaseHold()
    {
        if (Volatile.Read(ref _loan) is null || Interlocked.Decrement(ref _holds) != 0)
        {
            return;
        }

        BodyChunk? loan = Volatile.Read(ref _loan);
        if (loan is null)
        {
            return;
        }

        lock (loan)
        {
            if (_loan is null)
            {
                return;
            }

            _headers = ReleasedHeaders.Instance;
            Volatile.Write(ref _loan, null);
        }

        loan.Release();
    }

    /// <summary>
    /// A buffer hands the event to its consumer: the instance to hand over, then the buffer's hold goes. An event whose
    /// bytes still live in a chunk is handed over as a new instance that owns a copy of them, and this one is left as
    /// it is (emptied when its last holder is done). Copying into this instance instead would make an old object point
    /// at new ones: an event that waited in a buffer across a collection is in an older generation by the time it is
    /// delivered, and a dead old event keeps its fresh copy alive through every young collection until its own
    /// generation is collected (this was ~0.5 MB promoted per gen0 collection, and the gen1 collections it caused).
    /// When other buffers still hold the event, the copy is shared with them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal EslEvent Deliver()
    {
        EslEvent delivered = OwnedInstance();
        ReleaseHold();
        return delivered;
    }

    /// <summary>
    /// The instance to hand to a consumer while the caller's hold keeps the event intact, without giving the hold up
    /// (the read thread delivering its own batch: the batch releases its holds afterwards).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal EslEvent Owned() => OwnedInstance();

    /// <summary>The loaned bytes copied into an array of their own (under the chunk's lock, while a hold keeps them intact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private HeaderBlock CopyOut(BodyChunk loan)
    {
        var block = (HeaderBlock)_headers;
        byte[] own = GC.AllocateUninitializedArray<byte>(WireSize);
        loan.Data.AsSpan(block.Start, WireSize).CopyTo(own);
        return HeaderBlock.OfPlainEvent(own, 0, WireSize, block.KnownLength);
    }

    /// <summary>This instance if it owns its bytes, else the copy another buffer already made, else a new copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private EslEvent OwnedInstance()
    {
        BodyChunk? loan = Volatile.Read(ref _loan);
        if (loan is null)
        {
            return Volatile.Read(ref _copy) ?? this;
        }

        lock (loan)
        {
            if (_loan is null)
            {
                return _copy ?? this; // taken in place meanwhile (TakeOwnership)
            }

            if (_copy is { } shared)
            {
                return shared;
            }

            var copy = new EslEvent(CopyOut(loan), Format, null)
            {
                WireSize = WireSize,
                _eventName = _eventName,
                _uniqueId = _uniqueId,
            };

            // Kept only for the other buffers that will deliver this event (the caller's hold is one of the holds).
            if (Volatile.Read(ref _holds) > 1)
            {
                Volatile.Write(ref _copy, copy);
            }

            return copy;
        }
    }

    /// <summary>Wraps a frame's envelope headers as an event (the outbound <c>connect</c> reply is the channel's data).</summary>
    internal static EslEvent FromEnvelope(HeaderBlock envelope) => new(envelope, EslEventFormat.Plain, null);

    /// <summary>Wraps already-decoded headers (JSON or XML events).</summary>
    internal static EslEvent FromDecoded(KeyValuePair<string, string>[] headers, string? body, EslEventFormat format)
        => new(new HeaderList(headers), format, body);

    /// <summary>The inner body of a plain event, in its block's array; null if it has none (or its bytes were released).</summary>
    private ReadOnlyMemory<byte>? PlainBody()
    {
        // Not a conditional expression: null would convert to an empty ReadOnlyMemory (through byte[]), never to no body.
        if (_headers is HeaderBlock block && block.TryGetBody(out ReadOnlyMemory<byte> body))
        {
            return body;
        }

        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private string ReadEventName()
    {
        // Fast path: FreeSWITCH writes Event-Name first, so the name is read without indexing the block.
        if (_headers is HeaderBlock block && block.Extent.StartsWith(EventNameLine))
        {
            ReadOnlySpan<byte> rest = block.Extent[EventNameLine.Length..];
            int end = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> value = end < 0 ? rest : rest[..end];
            return KnownNames.EventName(value.EndsWith((byte)'\r') ? value[..^1] : value);
        }

        return this["Event-Name"] ?? string.Empty;
    }
}
