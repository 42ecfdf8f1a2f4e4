using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using EslSupervision.EventSocket;

namespace EslSupervision.Benchmarks;

/// <summary>
/// A minimal in-memory <see cref="IEslConnection"/> for the supervision benchmarks (no Moq, no sockets):
/// events are pushed synchronously into a subject (callers must serialize <see cref="Push"/>), every command
/// completes at once, and the two commands the latency benchmarks wait for (<c>execute eavesdrop</c> and
/// <c>sendevent</c>) are time-stamped and signalled.
/// </summary>
internal class SupervisionFakeConnection : IEslConnection
{
    private static readonly Task<EslEvent> Done = Task.FromResult(EslEvent.Create([new("Event-Name", "CHANNEL_EXECUTE_COMPLETE")]));
    private static readonly Task<EslApiResponse> Ok = Task.FromResult(new EslApiResponse("+OK\n"));
    private static readonly Task<EslApiResponse> Empty = Task.FromResult(new EslApiResponse("{\"row_count\":0}\n"));
    private static readonly Task<string> SentEvent = Task.FromResult("9a8c7a34-3c61-4d2f-9d1f-0c6d7c1c2b10");
    private static readonly Task<bool> HungUp = Task.FromResult(true);

    private readonly Subject<EslEvent> _events = new();
    private readonly BehaviorSubject<EslConnectionState> _state = new(EslConnectionState.Connected);

    public IObservable<EslEvent> Events => _events;

    public EslEventReader CreateEventReader(EslEventReaderOptions? options = null) => EslEventReader.FromObservable(_events, options);

    public IObservable<EslConnectionState> StateChanges => _state.AsObservable();

    public EslConnectionState State => EslConnectionState.Connected;

    /// <summary>Released once per <c>execute ... eavesdrop</c> (or <c>execute ... bridge</c>, a cluster's hand-off).</summary>
    public SemaphoreSlim Eavesdropped { get; } = new(0);

    /// <summary>Released once per <c>sendevent</c>.</summary>
    public SemaphoreSlim EventSent { get; } = new(0);

    /// <summary><see cref="Stopwatch.GetTimestamp"/> of the latest <c>execute ... eavesdrop</c>.</summary>
    public long LastEavesdropAt { get; private set; }

    /// <summary><see cref="Stopwatch.GetTimestamp"/> of each leg's <c>execute ... eavesdrop</c>, until taken.</summary>
    public ConcurrentDictionary<string, long> EavesdropAt { get; } = new(StringComparer.Ordinal);

    /// <summary><see cref="Stopwatch.GetTimestamp"/> of the latest <c>sendevent</c>.</summary>
    public long LastEventSentAt { get; private set; }

    public long Executes { get; private set; }

    /// <summary>Called with (leg, application, arguments, timestamp) for every decisive command, after it is recorded (the replica benchmark joins several connections per switch).</summary>
    public Action<string, string, string?, long>? Decisive { get; init; }

    public long Hangups { get; private set; }

    /// <summary>Pushes one event to the subscribers, on the calling thread. Not thread-safe (Rx subjects need serialized calls).</summary>
    public void Push(EslEvent e) => _events.OnNext(e);

    /// <summary>Calls <paramref name="onEvent"/> on the pushing thread for every pushed event (see <see cref="InlineSupervisionFakeConnection"/>).</summary>
    public IDisposable SubscribeOnPushingThread(Action<EslEvent> onEvent) => _events.Subscribe(onEvent);

    public Task<EslApiResponse> ApiAsync(string command, string? arguments = null, CancellationToken cancellationToken = default)
        => command == "show" ? Empty : Ok;

    public Task<EslBackgroundJobResult> BackgroundApiAsync(string command, string? arguments = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException();

    public Task<EslExecution> ExecuteAsync(string uniqueId, string application, string? arguments = null, EslExecuteOptions? options = null, CancellationToken cancellationToken = default)
    {
        Executes++;
        var execution = Task.FromResult(new EslExecution(uniqueId, application, options?.EventUuid ?? string.Empty, Done));
        if (application is "eavesdrop" or "bridge")
        {
            // The decisive command: eavesdrop for a local agent, bridge for a hand-off to the agent's switch.
            LastEavesdropAt = Stopwatch.GetTimestamp();
            EavesdropAt[uniqueId] = LastEavesdropAt;
            Eavesdropped.Release();
            Decisive?.Invoke(uniqueId, application, arguments, LastEavesdropAt);
        }

        return execution;
    }

    public Task<bool> HangupAsync(string uniqueId, string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default)
    {
        Hangups++;
        return HungUp;
    }

    public Task<string> SendEventAsync(string eventName, IEnumerable<KeyValuePair<string, string>> headers, string? body = null, CancellationToken cancellationToken = default)
    {
        LastEventSentAt = Stopwatch.GetTimestamp();
        EventSent.Release();
        return SentEvent;
    }

    public Task SubscribeAsync(IEnumerable<string> eventNames, IEnumerable<string>? customSubclasses = null, EslEventFormat format = EslEventFormat.Plain, CancellationToken cancellationToken = default)
        => Task.CompletedTask;

    public Task UnsubscribeAsync(IEnumerable<string> eventNames, IEnumerable<string>? customSubclasses = null, CancellationToken cancellationToken = default)
        => Task.CompletedTask;

    public Task AddFilterAsync(string header, string value, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task RemoveFilterAsync(string header, string? value = null, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _events.OnCompleted();
        _events.Dispose();
        _state.Dispose();
        Eavesdropped.Dispose();
        EventSent.Dispose();
        return ValueTask.CompletedTask;
    }
}
