using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// Decodes FreeSWITCH's url-encoding: <c>%XX</c> to bytes first, then the bytes as UTF-8.
/// Lenient on purpose: a <c>%</c> not followed by two hex digits is kept as it is (the switch passes
/// existing escapes through unchanged, so such input really occurs), and <c>+</c> is never a space.
/// </summary>
internal static class UrlDecoder
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string Decode(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty)
        {
            return string.Empty;
        }

        int percent = encoded.IndexOf((byte)'%');
        if (percent < 0)
        {
            return Utf8.GetString(encoded);
        }

        byte[]? rented = null;
        Span<byte> buffer = encoded.Length <= 512
            ? stackalloc byte[encoded.Length]
            : (rented = ArrayPool<byte>.Shared.Rent(encoded.Length));
        try
        {
            int written = DecodeBytes(encoded, percent, buffer);
            return Utf8.GetString(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int DecodeBytes(ReadOnlySpan<byte> source, int firstPercent, Span<byte> destination)
    {
        source[..firstPercent].CopyTo(destination);
        int written = firstPercent;
        int i = firstPercent;
        while (i < source.Length)
        {
            byte b = source[i];
            if (b == (byte)'%' && i + 2 < source.Length
                && TryHex(source[i + 1], out int high) && TryHex(source[i + 2], out int low))
            {
                destination[written++] = (byte)((high << 4) | low);
                i += 3;
            }
            else
            {
                destination[written++] = b;
                i++;
            }
        }

        return written;
    }

    private static bool TryHex(byte c, out int value)
    {
        value = c switch
        {
            >= (byte)'0' and <= (byte)'9' => c - '0',
            >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
            >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
