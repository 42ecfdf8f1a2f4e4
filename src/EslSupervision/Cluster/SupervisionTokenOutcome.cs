namespace EslSupervision.Cluster;

/// <summary>Why a cross-switch token was refused.</summary>
internal enum SupervisionTokenRefusal
{
    /// <summary>Not refused.</summary>
    None = 0,

    /// <summary>Not a token: wrong shape, bad encoding, unknown version, or a field that breaks the text rules.</summary>
    Malformed,

    /// <summary>The signature does not match: forged or edited (other agent, other mode, …).</summary>
    BadSignature,

    /// <summary>Signed with a key id this switch does not accept (unknown, or retired).</summary>
    UnknownKey,

    /// <summary>Past its expiry plus the clock-skew allowance, or with an expiry further ahead than any issuer may set.</summary>
    Expired,

    /// <summary>Already used once.</summary>
    Replayed,

    /// <summary>Issued for another switch.</summary>
    WrongSwitch,

    /// <summary>The single-use store failed or timed out: fail closed.</summary>
    StoreUnavailable,
}

/// <summary>The verdict on a cross-switch token: accepted with its claims, or refused with a reason.</summary>
internal sealed class SupervisionTokenOutcome
{
    private SupervisionTokenOutcome(SupervisionTokenClaims? claims, SupervisionTokenRefusal reason)
    {
        Claims = claims;
        Reason = reason;
    }

    /// <summary>Whether the token was accepted (and consumed).</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Claims))]
    public bool IsAccepted => Claims is not null;

    /// <summary>The verified claims when accepted.</summary>
    public SupervisionTokenClaims? Claims { get; }

    /// <summary>Why it was refused; <see cref="SupervisionTokenRefusal.None"/> when accepted.</summary>
    public SupervisionTokenRefusal Reason { get; }

    public static SupervisionTokenOutcome Accepted(SupervisionTokenClaims claims)
        => new(claims ?? throw new ArgumentNullException(nameof(claims)), SupervisionTokenRefusal.None);

    public static SupervisionTokenOutcome Refused(SupervisionTokenRefusal reason)
        => reason == SupervisionTokenRefusal.None
            ? throw new ArgumentOutOfRangeException(nameof(reason), "A refusal needs a reason.")
            : new(null, reason);

    /// <inheritdoc/>
    public override string ToString() => IsAccepted ? $"Accepted ({Claims})" : $"Refused ({Reason})";
}
