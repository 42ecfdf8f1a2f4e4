using System.Collections.Concurrent;
using EslSupervision.Calls;
using EslSupervision.Permissions;
using Microsoft.Extensions.Options;

namespace EslSupervision.AspNetCore.Internal;

/// <summary>
/// Which modes a supervisor may start on an agent, as the permission provider last said, so a live update does not
/// ask the provider three times per row per stream. Only for showing buttons: every start and switch is decided
/// again by the controller's authorizer. An answer is forgotten after <see cref="EslSupervisionDashboardOptions.PermissionCacheDuration"/>
/// (by the app's <see cref="TimeProvider"/>), and all answers at once when the settings reload or the provider signals
/// <see cref="ISupervisionPermissionChangeSource.PermissionsChanged"/>; <see cref="Invalidated"/> then wakes every
/// stream so revoked buttons disappear without waiting for a call change.
/// </summary>
internal sealed class PermissionCache : IDisposable
{
    private const int MaxEntries = 100_000;
    private static readonly SupervisionMode[] Modes = [SupervisionMode.Spy, SupervisionMode.Whisper, SupervisionMode.Barge];
    private readonly ConcurrentDictionary<(string Tenant, string Supervisor, string Agent), Entry> _entries = new();
    private readonly ISupervisionPermissionProvider _provider;
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;
    private readonly List<IDisposable> _subscriptions = [];
    private long _generation;

    public PermissionCache(ISupervisionPermissionProvider provider, IOptionsMonitor<SupervisionOptions> settings, IOptions<EslSupervisionDashboardOptions> options, TimeProvider time)
    {
        _provider = provider;
        _time = time;
        _duration = options.Value.PermissionCacheDuration;
        if (settings.OnChange((_, _) => Invalidate()) is { } reload)
        {
            _subscriptions.Add(reload);
        }

        if (provider is ISupervisionPermissionChangeSource source)
        {
            // A failing signal fails closed: forget everything.
            _subscriptions.Add(source.PermissionsChanged.Subscribe(_ => Invalidate(), _ => Invalidate()));
        }
    }

    /// <summary>Raised after all answers were forgotten (settings reload, provider signal).</summary>
    public event Action? Invalidated;

    public async ValueTask<IReadOnlyList<string>> AllowedModesAsync(UserIdentity me, UserIdentity agent, CancellationToken cancellationToken)
    {
        if (string.Equals(me.Extension, agent.Extension, StringComparison.Ordinal))
        {
            return [];
        }

        var key = (me.Tenant, me.Extension, agent.Extension);
        long generation = Volatile.Read(ref _generation);
        DateTimeOffset now = _time.GetUtcNow();
        if (_entries.TryGetValue(key, out Entry? entry) && entry.Generation == generation && entry.Expires > now)
        {
            return entry.Modes;
        }

        (IReadOnlyList<string> modes, bool complete) = await AskAsync(me, agent, cancellationToken).ConfigureAwait(false);

        // An answer asked before an invalidation is not kept (it may be the revoked one); nor one the provider failed on.
        if (complete && _duration > TimeSpan.Zero && Volatile.Read(ref _generation) == generation)
        {
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }

            // Spread expiries over the last quarter of the duration, so the entries of one page do not all expire at once.
            TimeSpan life = _duration - (_duration / 4 * Random.Shared.NextDouble());
            _entries[key] = new Entry(generation, now + life, modes);
        }

        return modes;
    }

    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
        Invalidated?.Invoke();
    }

    public void Dispose()
    {
        foreach (IDisposable subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }

    private async ValueTask<(IReadOnlyList<string> Modes, bool Complete)> AskAsync(UserIdentity me, UserIdentity agent, CancellationToken cancellationToken)
    {
        var allowed = new List<string>(3);
        bool complete = true;
        foreach (SupervisionMode mode in Modes)
        {
            try
            {
                PermissionDecision decision = await _provider.AuthorizeAsync(new SupervisionRequest(me.Tenant, me.Extension, agent.Extension, mode), cancellationToken).ConfigureAwait(false);
                if (decision?.IsAllowed == true)
                {
                    allowed.Add(mode.ToString());
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Fail closed: no button, and ask again next time.
                complete = false;
            }
        }

        return (allowed, complete);
    }

    private sealed record Entry(long Generation, DateTimeOffset Expires, IReadOnlyList<string> Modes);
}
