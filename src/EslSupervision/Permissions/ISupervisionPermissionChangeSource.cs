using System.Reactive;

namespace EslSupervision.Permissions;

/// <summary>
/// Optional for an <see cref="ISupervisionPermissionProvider"/>: signals that its answers may have changed (a
/// directory edit, a role removed). The controller then re-checks every running supervision: a supervisor who may
/// no longer supervise that agent is cut off (audited as <see cref="Control.SupervisionEndReason.PermissionRevoked"/>);
/// one who lost only the current mode is moved to an allowed mode (spy first, then whisper) or cut off.
/// </summary>
/// <remarks><para>Implement it on the provider class itself; the controller finds it there.</para><para>Public because a permission provider of your own implements it to have running supervisions re-checked when permissions change.</para></remarks>
public interface ISupervisionPermissionChangeSource
{
    /// <summary>Emits whenever permissions may have changed. Must not complete while the provider is in use.</summary>
    IObservable<Unit> PermissionsChanged { get; }
}
