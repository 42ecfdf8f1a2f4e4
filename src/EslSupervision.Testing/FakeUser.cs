namespace EslSupervision.Testing;

/// <summary>A directory user of the fake switch (a registered phone).</summary>
/// <param name="Extension">The extension, e.g. <c>1004</c>.</param>
/// <param name="Domain">The domain, e.g. <c>pbx.lab</c>.</param>
/// <param name="DisplayName">The display name used as caller name.</param>
public sealed record FakeUser(string Extension, string Domain, string DisplayName)
{
    /// <summary>The <c>esl-password</c> directory param that <c>userauth</c> checks; null disables userauth for this user.</summary>
    public string? EslPassword { get; init; }

    /// <summary>The <c>esl-allowed-api</c> list; when set, <c>api</c> on a userauth connection is denied.</summary>
    public string? AllowedApi { get; init; }

    /// <summary>Whether the phone is registered; <c>originate</c> to an unregistered user fails with <c>USER_NOT_REGISTERED</c>. Default true.</summary>
    public bool Registered { get; init; } = true;

    /// <summary>When set, <c>originate</c> to this user fails with this hang-up cause (e.g. <c>USER_BUSY</c>, <c>NO_ANSWER</c>) instead of answering.</summary>
    public string? OriginateFailureCause { get; init; }

    /// <summary>
    /// Whether <c>originate</c> to this user answers at once (default true). When false the new leg rings
    /// (CHANNEL_CREATE only) until <see cref="FakeFreeSwitch.AnswerRinging"/> or <see cref="FakeFreeSwitch.RejectRinging"/>
    /// is called, or until <c>originate_timeout</c> (default 60 s, on the fake's <see cref="FakeFreeSwitchOptions.TimeProvider"/>)
    /// passes, which hangs it up with <c>NO_ANSWER</c>; <c>originate</c>'s reply is held back until then, as on the real switch.
    /// </summary>
    public bool AutoAnswer { get; init; } = true;
}
