using System.Threading.Channels;
using EslSupervision.Calls;
using EslSupervision.EventSocket;

namespace EslSupervision.Control;

/// <summary>
/// One supervisor's leg and what the controller knows about it. Everything that happens to it (start, key
/// presses, API calls, its end) runs through one queue, in arrival order, so two key presses never race;
/// different supervisors never wait for each other.
/// </summary>
internal sealed class SupervisionSession
{
    private readonly Channel<Func<Task>> _work = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<Exception> _onError;
    private readonly Task _loop;

    public SupervisionSession(string supervisorLegId, IEslConnection connection, bool outbound, DateTimeOffset since, Action<Exception> onError)
    {
        SupervisorLegId = supervisorLegId;
        Connection = connection;
        IsOutbound = outbound;
        Since = since;
        _onError = onError;
        _loop = Task.Run(RunAsync);
    }

    public string SupervisorLegId { get; }

    /// <summary>The connection that carries this leg's commands (the shared inbound one, or its outbound session).</summary>
    public IEslConnection Connection { get; }

    public bool IsOutbound { get; }

    public UserIdentity? Supervisor { get; set; }

    public UserIdentity? Agent { get; set; }

    public string? AgentLegId { get; set; }

    public SupervisionMode Mode { get; set; }

    /// <summary>The Event-UUID eavesdrop was started with; null for an adopted supervision.</summary>
    public string? EavesdropEventUuid { get; set; }

    public DateTimeOffset Since { get; set; }

    /// <summary>True once eavesdrop runs.</summary>
    public bool IsRunning { get; set; }

    public bool IsEnded { get; set; }

    /// <summary>Cluster mode: the switch holding the supervisor's (origin) leg; <see langword="null"/> with one switch.</summary>
    public string? SupervisorSwitch { get; set; }

    /// <summary>Cluster mode: the switch holding the agent's leg.</summary>
    public string? AgentSwitch { get; set; }

    /// <summary>A leg that arrived from a peer switch: the supervisor's own leg there (what the audit and API name).</summary>
    public string? OriginLegId { get; set; }

    /// <summary>The origin side of a cross-switch supervision: the leg was bridged to <see cref="AgentSwitch"/>.</summary>
    public bool IsRelayed { get; set; }

    /// <summary>The peer accepted the relayed leg's token; from then on the peer audits and drives the supervision.</summary>
    public bool RelayArrived { get; set; }

    /// <summary>The relayed leg's bridge to the peer was answered.</summary>
    public bool RelayBridged { get; set; }

    /// <summary>What started a relayed supervision (told to the peer, which audits the start).</summary>
    public SupervisionTrigger RelayTrigger { get; set; } = SupervisionTrigger.ServiceCode;

    /// <summary>The Event-UUID the relaying <c>bridge</c> was started with.</summary>
    public string? RelayEventUuid { get; set; }

    /// <summary>What the peer decided about a relayed leg (for a start from code, which waits for it).</summary>
    public TaskCompletionSource<SupervisionStartResult> RelayOutcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Completion => _loop;

    public SupervisionInfo? ToInfo()
        => IsRunning && !IsEnded && AgentLegId is not null
            ? new SupervisionInfo(OriginLegId ?? SupervisorLegId, Supervisor, AgentLegId, Agent, Mode, Since) { SupervisorSwitch = SupervisorSwitch, AgentSwitch = AgentSwitch }
            : null;

    public void Post(Func<Task> work) => _work.Writer.TryWrite(work);

    /// <summary>Runs a piece of work on the session's queue and returns its result.</summary>
    public Task<T> Invoke<T>(Func<Task<T>> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_work.Writer.TryWrite(async () =>
        {
            try
            {
                result.TrySetResult(await work().ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                result.TrySetException(ex);
            }
        }))
        {
            result.TrySetCanceled();
        }

        return result.Task;
    }

    public void Close() => _work.Writer.TryComplete();

    private async Task RunAsync()
    {
        await foreach (Func<Task> work in _work.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await work().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _onError(ex);
            }
        }
    }
}
