namespace EslSupervision.Benchmarks;

/// <summary>
/// The least work anything can do to walk an ESL stream: find the blank line after the envelope, read
/// <c>Content-Length</c>, skip the body. No copy, no allocation, no validation. It is the baseline the
/// library's cost is measured against.
/// </summary>
internal static class BareFraming
{
    private static ReadOnlySpan<byte> BlankLine => "\n\n"u8;

    private static ReadOnlySpan<byte> ContentLength => "Content-Length: "u8;

    /// <summary>
    /// Skips as many whole frames as <paramref name="buffer"/> holds. Returns how many; <paramref name="consumed"/>
    /// is where the first incomplete frame (if any) starts.
    /// </summary>
    public static int SkipFrames(ReadOnlySpan<byte> buffer, out int consumed)
    {
        int frames = 0;
        int pos = 0;
        while (true)
        {
            ReadOnlySpan<byte> rest = buffer[pos..];
            int start = 0;
            while (start < rest.Length && rest[start] == (byte)'\n')
            {
                start++;
            }

            rest = rest[start..];
            int blank = rest.IndexOf(BlankLine);
            if (blank < 0)
            {
                break;
            }

            int length = 0;
            ReadOnlySpan<byte> envelope = rest[..blank];
            int at = envelope.IndexOf(ContentLength);
            if (at >= 0)
            {
                foreach (byte b in envelope[(at + ContentLength.Length)..])
                {
                    if (b is < (byte)'0' or > (byte)'9')
                    {
                        break;
                    }

                    length = (length * 10) + (b - '0');
                }
            }

            int frameLength = blank + BlankLine.Length + length;
            if (frameLength > rest.Length)
            {
                break;
            }

            pos += start + frameLength;
            frames++;
        }

        consumed = pos;
        return frames;
    }
}
