using System.Buffers.Binary;
using System.Buffers.Text;
using EslSupervision.Calls;
using EslSupervision.Control;

namespace EslSupervision.Cluster;

/// <summary>
/// The wire form of a cross-switch supervision token. The destination is
/// <c>sup-</c> + base64url(payload) + <c>.</c> + base64url(HMAC-SHA256(key, ASCII("sup-" + base64url(payload)))),
/// unpadded, canonical (unused trailing bits zero), at most 255 characters: only <c>A-Z a-z 0-9 _ -</c> and one
/// <c>.</c>, so it is a plain SIP user part and matches the shipped dialplan expression <see cref="DialplanExpression"/>.
/// </summary>
/// <remarks>
/// Payload, version 1 (binary, big-endian; "str" is a length byte then that many ASCII bytes; "leg" is either
/// a zero byte then the 16 bytes of a canonical lower-case UUID, or a str of 8-64 hex digits and dashes):
/// <code>
/// version (1 byte, = 1)
/// key id (str, 1-16)              supervisor tenant (str, domain)    supervisor extension (str, SIP user)
/// origin switch (str, 1-32)       origin leg (leg)                   agent leg (leg)
/// agent extension (str, SIP user) mode (1 byte: 0 spy, 1 whisper, 2 barge)
/// target switch (str, 1-32)       expires at (8 bytes, unix ms)      nonce (16 random bytes)
/// </code>
/// Binary rather than JSON because the whole destination must stay within 255 characters: a binary UUID takes
/// 16 bytes instead of 36. The key id comes first after the version: the verifier reads it to pick the
/// key, then checks the MAC over the whole payload before trusting any other field.
/// <para>
/// Budget: 155 payload bytes less 66 fixed ones (version, mode, expiry, nonce, two binary UUIDs, six length bytes)
/// leave 89 characters for key id + tenant + both extensions + both switch names (fewer when a leg id is not a
/// canonical lower-case UUID). A hand-off over budget is not issued (the caller refuses the supervision).
/// </para>
/// </remarks>
internal static class SupervisionTokenFormat
{
    public const string Prefix = "sup-";
    public const byte Version = 1;
    public const int MacBytes = 32;
    public const int MacChars = 43;
    public const int NonceBytes = 16;
    public const int MaxDestinationLength = 255;

    /// <summary>What is left for the payload: 255 - "sup-" - "." - 43 = 207 characters, which decode to 155 bytes.</summary>
    public const int MaxPayloadChars = MaxDestinationLength - 4 - 1 - MacChars;

    public const int MaxPayloadBytes = MaxPayloadChars / 4 * 3 + (MaxPayloadChars % 4 == 0 ? 0 : MaxPayloadChars % 4 - 1);

    /// <summary>The FreeSWITCH (PCRE) expression that admits exactly the shape above; the shipped dialplan uses it.</summary>
    public const string DialplanExpression = @"^sup-[A-Za-z0-9_-]{1,207}\.[A-Za-z0-9_-]{43}\z";

    private const byte BinaryUuidMarker = 0;
    private const int GuidBytes = 16;

    /// <summary>Why a hand-off cannot be put into a token, or null when every field passes the text rules.</summary>
    public static string? Check(SupervisionHandOff handOff)
    {
        ArgumentNullException.ThrowIfNull(handOff);
        if (handOff.Supervisor is null || !TextRules.IsDomainLike(handOff.Supervisor.Tenant))
        {
            return "the supervisor's tenant is not a domain name";
        }

        if (!TextRules.IsUserName(handOff.Supervisor.Extension))
        {
            return "the supervisor's extension is not a SIP user name";
        }

        if (!TextRules.IsUserName(handOff.AgentExtension))
        {
            return "the agent's extension is not a SIP user name";
        }

        if (!ClusterText.IsSwitchName(handOff.OriginSwitch) || !ClusterText.IsSwitchName(handOff.TargetSwitch))
        {
            return "a switch name is not 1-32 of A-Z a-z 0-9 . _ -";
        }

        if (!EslIdentifiers.IsChannelUuid(handOff.OriginLegUuid) || !EslIdentifiers.IsChannelUuid(handOff.AgentLegUuid))
        {
            return "a leg UUID is not 8-64 hex digits and dashes";
        }

        return Enum.IsDefined(handOff.Mode) ? null : "the mode is unknown";
    }

    /// <summary>Writes the payload; false when it does not fit the 155 bytes (long tenant or names).</summary>
    public static bool TryWritePayload(Span<byte> destination, SupervisionTokenClaims claims, ReadOnlySpan<byte> nonce, out int written)
    {
        SupervisionHandOff h = claims.HandOff;
        var writer = new Writer(destination);
        bool ok = writer.Byte(Version)
            && writer.Text(claims.KeyId)
            && writer.Text(h.Supervisor.Tenant)
            && writer.Text(h.Supervisor.Extension)
            && writer.Text(h.OriginSwitch)
            && writer.Leg(h.OriginLegUuid)
            && writer.Leg(h.AgentLegUuid)
            && writer.Text(h.AgentExtension)
            && writer.Byte((byte)h.Mode)
            && writer.Text(h.TargetSwitch)
            && writer.Int64(claims.ExpiresAt.ToUnixTimeMilliseconds())
            && writer.Bytes(nonce);
        written = writer.Position;
        return ok;
    }

    /// <summary>Reads the version and key id only, to choose the key before the MAC is checked.</summary>
    public static bool TryReadKeyId(ReadOnlySpan<byte> payload, out string? keyId)
    {
        var reader = new Reader(payload);
        keyId = null;
        return reader.Byte(out byte version) && version == Version && reader.Text(ClusterText.IsKeyId, out keyId);
    }

    /// <summary>Reads a whole (MAC-verified) payload; false on any field that breaks the format or the text rules.</summary>
    public static bool TryReadPayload(ReadOnlySpan<byte> payload, out SupervisionTokenClaims? claims)
    {
        claims = null;
        var reader = new Reader(payload);
        Span<byte> nonce = stackalloc byte[NonceBytes];
        if (!(reader.Byte(out byte version) && version == Version
            && reader.Text(ClusterText.IsKeyId, out string? keyId)
            && reader.Text(TextRules.IsDomainLike, out string? tenant)
            && reader.Text(v => TextRules.IsUserName(v), out string? supervisorExtension)
            && reader.Text(ClusterText.IsSwitchName, out string? originSwitch)
            && reader.Leg(out string? originLeg)
            && reader.Leg(out string? agentLeg)
            && reader.Text(v => TextRules.IsUserName(v), out string? agentExtension)
            && reader.Byte(out byte mode) && Enum.IsDefined((SupervisionMode)mode)
            && reader.Text(ClusterText.IsSwitchName, out string? targetSwitch)
            && reader.Int64(out long expiresMs)
            && reader.Bytes(nonce)
            && reader.AtEnd))
        {
            return false;
        }

        if (expiresMs <= 0 || expiresMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        var handOff = new SupervisionHandOff(
            new UserIdentity(tenant!, supervisorExtension!), originSwitch!, originLeg!, agentLeg!, agentExtension!, (SupervisionMode)mode, targetSwitch!);
        claims = new SupervisionTokenClaims(handOff, keyId!, DateTimeOffset.FromUnixTimeMilliseconds(expiresMs), EncodeNonce(nonce));
        return true;
    }

    /// <summary>
    /// The shape the dialplan expression admits: <c>sup-</c>, 1-207 base64url characters, one dot, 43 base64url
    /// characters. Finds the dot.
    /// </summary>
    public static bool TrySplit([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? destination, out int dot)
    {
        dot = -1;
        if (destination is null || destination.Length > SupervisionTokenFormat.MaxDestinationLength
            || !destination.StartsWith(SupervisionTokenFormat.Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        for (int i = SupervisionTokenFormat.Prefix.Length; i < destination.Length; i++)
        {
            char c = destination[i];
            if (c == '.')
            {
                if (dot >= 0)
                {
                    return false;
                }

                dot = i;
            }
            else if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }

        int payloadChars = dot - SupervisionTokenFormat.Prefix.Length;
        return dot >= 0
            && payloadChars is >= 1 and <= SupervisionTokenFormat.MaxPayloadChars
            && destination.Length - dot - 1 == SupervisionTokenFormat.MacChars;
    }

    /// <summary>
    /// Reads a token's fields WITHOUT checking its MAC, key or expiry: for choosing which replica handles an arriving
    /// leg (the lease key), never for a decision. Anyone can write a token that parses; only the validator says
    /// whether it is genuine. <see langword="null"/> when the text does not even parse.
    /// </summary>
    public static SupervisionHandOff? PeekUnverified(string? destination)
    {
        if (!TrySplit(destination, out int dot))
        {
            return null;
        }

        Span<byte> payload = stackalloc byte[MaxPayloadBytes];
        return TryDecodeCanonical(destination.AsSpan(Prefix.Length, dot - Prefix.Length), payload, out int length)
            && TryReadPayload(payload[..length], out SupervisionTokenClaims? claims)
            ? claims!.HandOff
            : null;
    }

    public static string EncodeNonce(ReadOnlySpan<byte> nonce) => Base64Url.EncodeToString(nonce);

    /// <summary>
    /// Decodes unpadded base64url and refuses non-canonical text (non-zero unused bits), so one token has exactly
    /// one spelling. The characters must already be checked to be in the base64url alphabet.
    /// </summary>
    public static bool TryDecodeCanonical(ReadOnlySpan<char> text, Span<byte> destination, out int written)
    {
        written = 0;
        if (text.Length % 4 == 1 || Base64Url.GetMaxDecodedLength(text.Length) > destination.Length)
        {
            return false;
        }

        // The OperationStatus overload: TryDecodeFromChars throws FormatException on some invalid input.
        if (Base64Url.DecodeFromChars(text, destination, out int consumed, out written) != System.Buffers.OperationStatus.Done || consumed != text.Length)
        {
            written = 0;
            return false;
        }

        Span<char> again = stackalloc char[MaxDestinationLength];
        return Base64Url.TryEncodeToChars(destination[..written], again, out int charsWritten)
            && again[..charsWritten].SequenceEqual(text);
    }

    private ref struct Writer(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;

        public int Position { get; private set; }

        public bool Byte(byte value)
        {
            if (Position >= _buffer.Length)
            {
                return false;
            }

            _buffer[Position++] = value;
            return true;
        }

        public bool Bytes(ReadOnlySpan<byte> value)
        {
            if (!value.TryCopyTo(_buffer[Position..]))
            {
                return false;
            }

            Position += value.Length;
            return true;
        }

        public bool Int64(long value)
        {
            if (_buffer.Length - Position < sizeof(long))
            {
                return false;
            }

            BinaryPrimitives.WriteInt64BigEndian(_buffer[Position..], value);
            Position += sizeof(long);
            return true;
        }

        /// <summary>ASCII only: every caller checked the value with a rule that admits ASCII only.</summary>
        public bool Text(string value)
        {
            if (value.Length is 0 or > byte.MaxValue || !Byte((byte)value.Length) || _buffer.Length - Position < value.Length)
            {
                return false;
            }

            foreach (char c in value)
            {
                _buffer[Position++] = (byte)c;
            }

            return true;
        }

        public bool Leg(string uuid)
        {
            if (Guid.TryParseExact(uuid, "D", out Guid guid) && string.Equals(guid.ToString("D"), uuid, StringComparison.Ordinal))
            {
                if (!Byte(BinaryUuidMarker) || _buffer.Length - Position < GuidBytes)
                {
                    return false;
                }

                bool ok = guid.TryWriteBytes(_buffer[Position..], bigEndian: true, out int bytes);
                Position += bytes;
                return ok;
            }

            return Text(uuid);
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> buffer)
    {
        private readonly ReadOnlySpan<byte> _buffer = buffer;
        private int _position;

        public readonly bool AtEnd => _position == _buffer.Length;

        public bool Byte(out byte value)
        {
            value = 0;
            if (_position >= _buffer.Length)
            {
                return false;
            }

            value = _buffer[_position++];
            return true;
        }

        public bool Bytes(scoped Span<byte> destination)
        {
            if (_buffer.Length - _position < destination.Length)
            {
                return false;
            }

            _buffer.Slice(_position, destination.Length).CopyTo(destination);
            _position += destination.Length;
            return true;
        }

        public bool Int64(out long value)
        {
            value = 0;
            if (_buffer.Length - _position < sizeof(long))
            {
                return false;
            }

            value = BinaryPrimitives.ReadInt64BigEndian(_buffer[_position..]);
            _position += sizeof(long);
            return true;
        }

        /// <summary>A length-prefixed ASCII string that <paramref name="rule"/> accepts.</summary>
        public bool Text(Func<string?, bool> rule, out string? value)
        {
            value = null;
            if (!Byte(out byte length) || length == 0 || _buffer.Length - _position < length)
            {
                return false;
            }

            ReadOnlySpan<byte> bytes = _buffer.Slice(_position, length);
            if (!System.Text.Ascii.IsValid(bytes))
            {
                return false;
            }

            string text = System.Text.Encoding.ASCII.GetString(bytes);
            _position += length;
            if (!rule(text))
            {
                return false;
            }

            value = text;
            return true;
        }

        public bool Leg(out string? uuid)
        {
            uuid = null;
            if (_position < _buffer.Length && _buffer[_position] == BinaryUuidMarker)
            {
                _position++;
                if (_buffer.Length - _position < GuidBytes)
                {
                    return false;
                }

                uuid = new Guid(_buffer.Slice(_position, GuidBytes), bigEndian: true).ToString("D");
                _position += GuidBytes;
                return true;
            }

            return Text(EslIdentifiers.IsChannelUuid, out uuid);
        }
    }
}
