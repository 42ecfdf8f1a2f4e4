using System.Collections.Concurrent;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Hosting;

namespace EslSupervision.AspNetCore.Internal;

/// <summary>
/// The other party's number per leg, which the call registry does not keep: for an inbound leg the caller
/// (<c>Caller-Caller-ID-Number</c>), for an outbound leg the dialled number (<c>Caller-Destination-Number</c>).
/// Fed by the connection's events; forgotten on <c>CHANNEL_DESTROY</c>. Only ever read for legs of the caller's tenant.
/// </summary>
internal sealed class ClientNumbers : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, string> _numbers = new(StringComparer.OrdinalIgnoreCase);
    private readonly IEslConnection _connection;
    private IDisposable? _subscription;

    public ClientNumbers(IEslConnection connection)
    {
        _connection = connection;
    }

    public string? Get(string legId) => _numbers.GetValueOrDefault(legId);

    /// <summary>Subscribes at host start (not on first use), so calls that start before the first page load have numbers too.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription ??= _connection.Events.Subscribe(OnEvent, _ => { });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _subscription?.Dispose();

    private void OnEvent(EslEvent e)
    {
        if (e.UniqueId is not { } id)
        {
            return;
        }

        switch (e.EventName)
        {
            case "CHANNEL_CREATE":
            case "CHANNEL_ANSWER":
            case "CHANNEL_BRIDGE":
                bool inbound = string.Equals(e["Call-Direction"], "inbound", StringComparison.OrdinalIgnoreCase);
                string? number = inbound ? e["Caller-Caller-ID-Number"] : e["Caller-Destination-Number"];
                if (!string.IsNullOrEmpty(number) && number.Length <= 64 && !number.Any(char.IsControl))
                {
                    _numbers[id] = number;
                }

                break;
            case "CHANNEL_DESTROY":
                _numbers.TryRemove(id, out _);
                break;
        }
    }
}
