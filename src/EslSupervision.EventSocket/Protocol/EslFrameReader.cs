using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// Cuts frames out of the bytes read from the switch: a header block up to the first blank line, then
/// exactly <c>Content-Length</c> bytes of body. Header order is not assumed and names are matched
/// case-insensitively. Only the two envelope headers are parsed here; event bodies are indexed lazily later.
/// </summary>
internal static class EslFrameReader
{
    /// <summary>The largest header block accepted (the biggest real one, an outbound <c>connect</c> reply, is ~7 KB).</summary>
    public const int MaxHeaderBlockSize = 1024 * 1024;

    private static ReadOnlySpan<byte> BlankLine => "\n\n"u8;

    /// <summary>
    /// Reads one frame from the start of <paramref name="buffer"/>. On success <paramref name="buffer"/> is
    /// advanced past it; otherwise more bytes are needed and <paramref name="buffer"/> is unchanged.
    /// </summary>
    /// <param name="buffer">The unread bytes.</param>
    /// <param name="maxFrameSize">The largest body accepted.</param>
    /// <param name="frame">The frame cut, when the method returns true.</param>
    /// <param name="source">
    /// The chunk the bytes of <paramref name="buffer"/> were received into (one segment over its array), if any: the
    /// body of a plain event then stays where it is, counted against the chunk (released by the event once a consumer
    /// takes or drops it), instead of being copied into a new array.
    /// </param>
    /// <exception cref="EslProtocolException">The bytes are not a valid frame, or the frame is too large.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, long maxFrameSize, out EslFrame? frame, BodyChunk? source = null)
    {
        frame = null;
        ReadOnlySequence<byte> input = SkipLeadingNewlines(buffer);
        if (input.IsEmpty)
        {
            buffer = input;
            return false;
        }

        if (!TryFindHeaderEnd(input, out long headerLength))
        {
            if (input.Length > Math.Min(MaxHeaderBlockSize, maxFrameSize))
            {
                throw new EslProtocolException($"No blank line within {input.Length} bytes: the header block is too large or the stream is not ESL.");
            }

            return false;
        }

        ReadOnlySequence<byte> headerSequence = input.Slice(0, headerLength);
        byte[]? headerCopy = headerSequence.IsSingleSegment ? null : headerSequence.ToArray();
        ReadOnlySpan<byte> header = headerCopy ?? headerSequence.FirstSpan;

        ParseEnvelope(header, out EslContentType type, out long contentLength);
        if (contentLength > maxFrameSize)
        {
            throw new EslProtocolException($"Content-Length {contentLength} exceeds the frame size limit of {maxFrameSize} bytes.");
        }

        long frameLength = headerLength + BlankLine.Length + contentLength;
        if (input.Length < frameLength)
        {
            return false;
        }

        ReadOnlySequence<byte> bodySequence = input.Slice(headerLength + BlankLine.Length, contentLength);
        if (type == EslContentType.EventPlain && contentLength > 0 && source is not null
            && SequenceMarshal.TryGetArray(bodySequence, out ArraySegment<byte> inPlace) && inPlace.Array == source.Data)
        {
            source.AddBody();
            frame = new EslFrame(type, source, inPlace.Offset, inPlace.Count);
            buffer = input.Slice(frameLength);
            return true;
        }

        byte[]? body = null;
        if (contentLength > 0)
        {
            body = GC.AllocateUninitializedArray<byte>((int)contentLength);
            bodySequence.CopyTo(body);
        }

        HeaderBlock? envelope = null;
        if (type is not (EslContentType.EventPlain or EslContentType.EventJson or EslContentType.EventXml))
        {
            byte[] envelopeBytes = headerCopy ?? header.ToArray();
            envelope = new HeaderBlock(envelopeBytes, 0, envelopeBytes.Length);
        }

        frame = new EslFrame(type, envelope, body);
        buffer = input.Slice(frameLength);
        return true;
    }

    /// <summary>Skips blank lines between frames, however the buffer's segments split them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlySequence<byte> SkipLeadingNewlines(ReadOnlySequence<byte> buffer)
    {
        int first = buffer.FirstSpan.IndexOfAnyExcept((byte)'\n', (byte)'\r');
        if (first == 0)
        {
            return buffer;
        }

        if (first > 0)
        {
            return buffer.Slice(first);
        }

        long skip = 0;
        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            int index = segment.Span.IndexOfAnyExcept((byte)'\n', (byte)'\r');
            if (index >= 0)
            {
                return buffer.Slice(skip + index);
            }

            skip += segment.Length;
        }

        return buffer.Slice(buffer.End);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryFindHeaderEnd(in ReadOnlySequence<byte> input, out long headerLength)
    {
        ReadOnlySpan<byte> first = input.FirstSpan;
        int index = first.IndexOf(BlankLine);
        if (index >= 0)
        {
            headerLength = index;
            return true;
        }

        if (input.IsSingleSegment)
        {
            headerLength = 0;
            return false;
        }

        var reader = new SequenceReader<byte>(input);
        if (reader.TryReadTo(out ReadOnlySequence<byte> headers, BlankLine, advancePastDelimiter: false))
        {
            headerLength = headers.Length;
            return true;
        }

        headerLength = 0;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ParseEnvelope(ReadOnlySpan<byte> header, out EslContentType type, out long contentLength)
    {
        type = EslContentType.Unknown;
        contentLength = 0;
        bool sawType = false;
        while (!header.IsEmpty)
        {
            int end = header.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? header : header[..end];
            header = end < 0 ? default : header[(end + 1)..];
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                throw new EslProtocolException("A header line has no name: the stream is not ESL or lost its framing.");
            }

            ReadOnlySpan<byte> name = line[..colon];
            ReadOnlySpan<byte> value = line[(colon + 1)..].TrimStart((byte)' ');
            if (System.Text.Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!ContentLength.TryParse(value, out contentLength))
                {
                    throw new EslProtocolException("The Content-Length header is not a non-negative decimal number.");
                }
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(name, "Content-Type"u8))
            {
                type = EslContentTypes.Classify(value);
                sawType = true;
            }
        }

        if (!sawType)
        {
            throw new EslProtocolException("A frame has no Content-Type header.");
        }
    }
}
