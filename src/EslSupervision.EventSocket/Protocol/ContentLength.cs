using System.Buffers.Text;

namespace EslSupervision.EventSocket.Protocol;

/// <summary>Strict parsing of a <c>Content-Length</c> value: ASCII digits only, no sign, no spaces.</summary>
internal static class ContentLength
{
    public static bool TryParse(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.IsEmpty || value.Length > 18 || value.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return false;
        }

        return Utf8Parser.TryParse(value, out length, out int consumed) && consumed == value.Length;
    }
}
