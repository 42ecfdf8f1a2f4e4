using System.Globalization;
using System.Text;

namespace EslSupervision.EventSocket;

/// <summary>
/// Typed helpers for the commands most Event Socket users send, as extension methods on <see cref="IEslConnection"/>
/// so that every implementation (and every mock) has them.
/// </summary>
/// <remarks>
/// <para>
/// Every argument is checked before anything is written, and a value that the switch would read differently from
/// what the caller meant is refused with <see cref="ArgumentException"/>, never escaped: UUIDs must be UUIDs;
/// variable, dialplan, context, application and cause names are plain identifiers; arguments the switch splits on
/// spaces may not contain whitespace, quotes or backslashes (its argument splitter strips quotes and unescapes
/// <c>\n</c>, <c>\s</c> …); and <c>originate</c>'s channel-variable values may not contain
/// <c>{ } [ ] &lt; &gt; ,</c>, which would end or split its variable block. Control characters and line breaks are
/// refused everywhere.
/// </para>
/// <para>
/// A reply that names a missing channel raises <see cref="EslNoSuchChannelException"/>; any other <c>-ERR</c>
/// raises <see cref="EslCommandException"/> carrying the switch's text.
/// </para>
/// </remarks>
public static class EslCommands
{
    /// <summary>
    /// Places a call with <c>bgapi originate</c> and waits for its outcome. The new leg's UUID is chosen by the client
    /// (<c>origination_uuid</c>) and known before the switch answers; running it as a background job keeps the
    /// connection free for other commands and events while the endpoint rings.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="request">What to dial and where the answered leg goes.</param>
    /// <param name="cancellationToken">Stops waiting (the switch keeps dialling).</param>
    /// <returns><see cref="EslOriginateOutcome.Answered"/>, or <see cref="EslOriginateOutcome.Failed"/> with the switch's hang-up cause (e.g. <c>USER_NOT_REGISTERED</c>, <c>NO_ANSWER</c>).</returns>
    /// <exception cref="ArgumentException">A value of <paramref name="request"/> breaks a rule of <see cref="EslCommands"/>.</exception>
    /// <exception cref="EslCommandException">The switch answered something other than an outcome (e.g. <c>-USAGE</c>).</exception>
    public static async Task<EslOriginateResult> OriginateAsync(this IEslConnection connection, EslOriginateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(request);
        string uuid = request.UniqueId is null ? Guid.NewGuid().ToString() : CommandArguments.Uuid(request.UniqueId, nameof(request));
        string arguments = OriginateArguments(request, uuid);

        EslBackgroundJobResult job = await connection.BackgroundApiAsync("originate", arguments, cancellationToken).ConfigureAwait(false);
        string text = job.Body.TrimEnd('\n');
        if (text.StartsWith("+OK", StringComparison.Ordinal))
        {
            return new EslOriginateResult(uuid, EslOriginateOutcome.Answered, null);
        }

        if (text.StartsWith("-ERR ", StringComparison.Ordinal) && IsCause(text.AsSpan(5)))
        {
            return new EslOriginateResult(uuid, EslOriginateOutcome.Failed, text[5..]);
        }

        throw new EslCommandException("originate", text, $"originate failed: {text}");
    }

    /// <summary>Bridges two existing channels (<c>uuid_bridge</c>).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="uniqueId">The first channel.</param>
    /// <param name="otherUniqueId">The channel to bridge it to.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="EslNoSuchChannelException">One of the channels does not exist (<c>-ERR Invalid uuid</c>).</exception>
    public static async Task BridgeAsync(this IEslConnection connection, string uniqueId, string otherUniqueId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        CommandArguments.Uuid(uniqueId, nameof(uniqueId));
        CommandArguments.Uuid(otherUniqueId, nameof(otherUniqueId));
        EslApiResponse reply = await connection.ApiAsync("uuid_bridge", uniqueId + " " + otherUniqueId, cancellationToken).ConfigureAwait(false);
        EnsureOk("uuid_bridge", uniqueId, reply);
    }

    /// <summary>Sends a channel (or its bridged partner, or both) to an extension of the dialplan (<c>uuid_transfer</c>).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="uniqueId">The channel.</param>
    /// <param name="extension">The destination extension (no whitespace or quotes, not starting with <c>-</c> or <c>&amp;</c>).</param>
    /// <param name="dialplan">The dialplan; default <c>XML</c>.</param>
    /// <param name="context">The context; default <c>default</c>.</param>
    /// <param name="leg">Which leg moves.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="EslNoSuchChannelException">The channel does not exist.</exception>
    public static async Task TransferAsync(this IEslConnection connection, string uniqueId, string extension, string dialplan = "XML", string context = "default", EslTransferLeg leg = EslTransferLeg.Self, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        CommandArguments.Uuid(uniqueId, nameof(uniqueId));
        Extension(extension, nameof(extension));
        CommandArguments.Name(dialplan, nameof(dialplan));
        CommandArguments.Name(context, nameof(context));
        string option = leg switch
        {
            EslTransferLeg.Self => string.Empty,
            EslTransferLeg.Bridged => "-bleg ",
            EslTransferLeg.Both => "-both ",
            _ => throw new ArgumentOutOfRangeException(nameof(leg)),
        };
        EslApiResponse reply = await connection.ApiAsync("uuid_transfer", $"{uniqueId} {option}{extension} {dialplan} {context}", cancellationToken).ConfigureAwait(false);
        EnsureOk("uuid_transfer", uniqueId, reply);
    }

    /// <summary>Hangs a channel up at once (<c>uuid_kill</c>), whatever it is running.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="uniqueId">The channel.</param>
    /// <param name="cause">The hang-up cause, e.g. <c>NORMAL_CLEARING</c>.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="EslNoSuchChannelException">The channel does not exist. Use <see cref="IEslConnection.HangupAsync"/> to get <see langword="false"/> instead.</exception>
    public static async Task KillAsync(this IEslConnection connection, string uniqueId, string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        CommandArguments.Uuid(uniqueId, nameof(uniqueId));
        CommandArguments.Name(cause, nameof(cause));
        EslApiResponse reply = await connection.ApiAsync("uuid_kill", uniqueId + " " + cause, cancellationToken).ConfigureAwait(false);
        EnsureOk("uuid_kill", uniqueId, reply);
    }

    /// <summary>
    /// Queues the <c>hangup</c> application on a channel: unlike <see cref="KillAsync"/> it runs after the
    /// applications already queued there (e.g. after a <see cref="PlaybackAsync"/> finishes).
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="uniqueId">The channel.</param>
    /// <param name="cause">The hang-up cause.</param>
    /// <param name="cancellationToken">Stops waiting for the switch to queue it.</param>
    /// <returns>The queued execution; its <see cref="EslExecution.Completion"/> ends when the channel has hung up.</returns>
    /// <exception cref="EslCommandException">The switch refused it (e.g. <c>-ERR invalid session id</c>).</exception>
    public static Task<EslExecution> QueueHangupAsync(this IEslConnection connection, string uniqueId, string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        CommandArguments.Uuid(uniqueId, nameof(uniqueId));
        CommandArguments.Name(cause, nameof(cause));
        return connection.ExecuteAsync(uniqueId, "hangup", cause, null, cancellationToken);
    }

    /// <summary>Queues <c>playback</c> of a file or tone stream on a channel.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="uniqueId">The channel.</param>
    /// <param name="file">What to play, e.g. <c>ivr/ivr-welcome.wav</c> or <c>tone_stream://%(500,0,440)</c>; spaces allowed inside, none at either end.</param>
    /// <param name="cancellationToken">Stops waiting for the switch to queue it.</param>
    /// <returns>The queued execution; its <see cref="EslExecution.Completion"/> ends when playback ends (<c>Application-Response</c> says how).</returns>
    /// <exception cref="EslCommandException">The switch refused it (e.g. <c>-ERR invalid session id</c>).</exception>
    public static Task<EslExecution> PlaybackAsync(this IEslConnection connection, string uniqueId, string file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        CommandArguments.Uuid(uniqueId, nameof(uniqueId));
        CommandArguments.RestOfLine(file, nameof(file));
        return connection.ExecuteAsync(uniqueId, "playback", file, null, cancellationToken);
    }

    /// <summary>Sets (or, with <see langword="null"/> or an empty value, unsets) a channel variable (<c>uuid_setvar</c>); works while the channel runs any application.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="uniqueId">The channel.</param>
    /// <param name="name">The variable's name.</param>
    /// <param name="value">The value (spaces allowed inside, none at either end, no quotes or backslashes), or <see langword="null"/> to unset it.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="EslNoSuchChannelException">The channel does not exist.</exception>
    public static async Task SetVariableAsync(this IEslConnection connection, string uniqueId, string name, string? value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        CommandArguments.Uuid(uniqueId, nameof(uniqueId));
        CommandArguments.VariableName(name, nameof(name));
        string arguments = uniqueId + " " + name;
        if (!string.IsNullOrEmpty(value))
        {
            arguments += " " + CommandArguments.ApiRestOfLine(value, nameof(value));
        }

        EslApiResponse reply = await connection.ApiAsync("uuid_setvar", arguments, cancellationToken).ConfigureAwait(false);
        EnsureOk("uuid_setvar", uniqueId, reply);
    }

    /// <summary>Reads a channel variable (<c>uuid_getvar</c>).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="uniqueId">The channel.</param>
    /// <param name="name">The variable's name.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The value, or <see langword="null"/> when the variable is not set (the switch answers <c>_undef_</c>, which is also what it answers for a variable whose value is literally <c>_undef_</c>).</returns>
    /// <exception cref="EslNoSuchChannelException">The channel does not exist.</exception>
    public static async Task<string?> GetVariableAsync(this IEslConnection connection, string uniqueId, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        CommandArguments.Uuid(uniqueId, nameof(uniqueId));
        CommandArguments.VariableName(name, nameof(name));
        EslApiResponse reply = await connection.ApiAsync("uuid_getvar", uniqueId + " " + name, cancellationToken).ConfigureAwait(false);
        EnsureOk("uuid_getvar", uniqueId, reply);
        return reply.Body == UndefinedValue ? null : reply.Body;
    }

    /// <summary>Whether the switch has a channel with this UUID (<c>uuid_exists</c>).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="uniqueId">The channel.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns><see langword="true"/> if it exists.</returns>
    public static async Task<bool> ExistsAsync(this IEslConnection connection, string uniqueId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        CommandArguments.Uuid(uniqueId, nameof(uniqueId));
        EslApiResponse reply = await connection.ApiAsync("uuid_exists", uniqueId, cancellationToken).ConfigureAwait(false);
        return reply.Text switch
        {
            "true" => true,
            "false" => false,
            _ => throw new EslCommandException("uuid_exists", reply.Text, $"uuid_exists gave an unexpected reply: {reply.Text}"),
        };
    }

    /// <summary>The value <c>uuid_getvar</c> (and plain event serialization) uses for an unset or empty variable.</summary>
    private const string UndefinedValue = "_undef_";

    private static string OriginateArguments(EslOriginateRequest request, string uuid)
    {
        CommandArguments.Endpoint(request.Endpoint, nameof(request));
        var variables = new List<KeyValuePair<string, string>> { new("origination_uuid", uuid) };
        if (request.CallerIdName is not null)
        {
            variables.Add(new("origination_caller_id_name", request.CallerIdName));
        }

        if (request.CallerIdNumber is not null)
        {
            variables.Add(new("origination_caller_id_number", request.CallerIdNumber));
        }

        if (request.RingTimeout is { } timeout)
        {
            if (timeout < TimeSpan.FromSeconds(1) || timeout > TimeSpan.FromHours(1))
            {
                throw new ArgumentException("RingTimeout must be between 1 second and 1 hour.", nameof(request));
            }

            variables.Add(new("originate_timeout", ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture)));
        }

        foreach (var pair in request.Variables ?? new Dictionary<string, string>())
        {
            if (string.Equals(pair.Key, "origination_uuid", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("Set the leg's UUID with EslOriginateRequest.UniqueId, not as a variable.", nameof(request));
            }

            variables.Add(pair);
        }

        var sb = new StringBuilder("{");
        for (int i = 0; i < variables.Count; i++)
        {
            CommandArguments.VariableName(variables[i].Key, nameof(request));
            CommandArguments.VariableValue(variables[i].Value, nameof(request));
            sb.Append(i == 0 ? string.Empty : ",").Append(variables[i].Key).Append('=').Append(variables[i].Value);
        }

        sb.Append('}').Append(request.Endpoint).Append(' ');
        if (request.Extension is not null)
        {
            Extension(request.Extension, nameof(request));
            CommandArguments.Name(request.Dialplan, nameof(request));
            CommandArguments.Name(request.Context, nameof(request));
            sb.Append(request.Extension).Append(' ').Append(request.Dialplan).Append(' ').Append(request.Context);
        }
        else
        {
            CommandArguments.Name(request.Application, nameof(request));
            string argument = request.ApplicationArgument is null ? string.Empty : CommandArguments.Word(request.ApplicationArgument, nameof(request));
            if (argument.Contains(')', StringComparison.Ordinal))
            {
                throw new ArgumentException("The application argument may not contain ')': the switch ends the argument at the first one.", nameof(request));
            }

            sb.Append('&').Append(request.Application).Append('(').Append(argument).Append(')');
        }

        return sb.ToString();
    }

    private static void Extension(string? value, string paramName)
    {
        value = CommandArguments.Word(value, paramName);
        if (value[0] == '&')
        {
            throw new ArgumentException("An extension may not start with '&': the switch would run it as an application.", paramName);
        }
    }

    private static bool IsCause(ReadOnlySpan<char> text) =>
        text.Length > 0 && !text.ContainsAnyExcept(CauseCharacters);

    private static readonly System.Buffers.SearchValues<char> CauseCharacters = System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

    private static void EnsureOk(string command, string uniqueId, EslApiResponse reply)
    {
        if (!reply.IsError && !reply.Body.StartsWith("-USAGE", StringComparison.Ordinal))
        {
            return;
        }

        string text = reply.Text;
        if (text.Contains("No such channel", StringComparison.OrdinalIgnoreCase) || text.StartsWith("-ERR Invalid uuid", StringComparison.Ordinal))
        {
            throw new EslNoSuchChannelException(command, uniqueId, text);
        }

        throw new EslCommandException(command, text, $"'{command}' failed: {text}");
    }
}
