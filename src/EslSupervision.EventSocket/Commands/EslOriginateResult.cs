namespace EslSupervision.EventSocket;

/// <summary>How an <c>originate</c> ended.</summary>
public enum EslOriginateOutcome
{
    /// <summary>The endpoint answered; the leg exists and runs the requested application or extension.</summary>
    Answered,

    /// <summary>The leg was not established; <see cref="EslOriginateResult.HangupCause"/> says why (e.g. <c>USER_NOT_REGISTERED</c>).</summary>
    Failed,
}

/// <summary>The outcome of <see cref="EslCommands.OriginateAsync"/>.</summary>
public sealed class EslOriginateResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="uniqueId">The leg's UUID (the <c>origination_uuid</c> that was sent).</param>
    /// <param name="outcome">Whether the leg was answered.</param>
    /// <param name="hangupCause">The switch's cause when it failed, e.g. <c>NO_ANSWER</c>.</param>
    public EslOriginateResult(string uniqueId, EslOriginateOutcome outcome, string? hangupCause)
    {
        UniqueId = uniqueId;
        Outcome = outcome;
        HangupCause = hangupCause;
    }

    /// <summary>The leg's UUID, known before the call was placed. After a failure no channel has it any more.</summary>
    public string UniqueId { get; }

    /// <summary>Whether the leg was answered.</summary>
    public EslOriginateOutcome Outcome { get; }

    /// <summary>The FreeSWITCH hang-up cause of a failed originate (from its <c>-ERR &lt;CAUSE&gt;</c> reply); <see langword="null"/> when answered.</summary>
    public string? HangupCause { get; }

    /// <summary>Whether the leg was answered.</summary>
    public bool IsAnswered => Outcome == EslOriginateOutcome.Answered;

    /// <summary>A short description.</summary>
    public override string ToString() => IsAnswered ? "answered" : $"failed ({HangupCause})";
}
