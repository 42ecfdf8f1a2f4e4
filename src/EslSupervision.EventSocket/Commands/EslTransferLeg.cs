namespace EslSupervision.EventSocket;

/// <summary>Which leg <see cref="EslCommands.TransferAsync"/> moves.</summary>
public enum EslTransferLeg
{
    /// <summary>The named channel.</summary>
    Self,

    /// <summary>The channel bridged to the named one (<c>-bleg</c>).</summary>
    Bridged,

    /// <summary>Both the named channel and the one bridged to it (<c>-both</c>).</summary>
    Both,
}
