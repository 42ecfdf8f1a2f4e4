namespace EslSupervision.Testing;

/// <summary>The eavesdrop mixing flags of FreeSWITCH (<c>switch_ivr_async.c</c>), relative to the targeted leg.</summary>
[Flags]
public enum EavesdropFlags
{
    /// <summary>Listen only (spy, <c>eavesdrop-command: 0</c>).</summary>
    None = 0,

    /// <summary>ED_MUX_READ: the target's bridged partner hears the supervisor (<c>eavesdrop_whisper_aleg</c>, command 1).</summary>
    MuxRead = 1,

    /// <summary>ED_MUX_WRITE: the target's own endpoint hears the supervisor (<c>eavesdrop_whisper_bleg</c>, command 2).</summary>
    MuxWrite = 2,
}
