using System.Reactive.Linq;
using System.Reactive.Subjects;
using EslSupervision.EventSocket;
using Moq;

namespace EslSupervision.Tests.Control;

/// <summary>
/// A Moq'd <see cref="IEslConnection"/> that a test feeds with events and that records every command the
/// controller sends, with signals to await them.
/// </summary>
internal sealed class RecordingConnection
{
    private readonly Subject<EslEvent> _events = new();
    private readonly BehaviorSubject<EslConnectionState> _state = new(EslConnectionState.Connected);
    private readonly List<string> _commands = [];
    private readonly List<(Func<string, bool> Match, int Count, TaskCompletionSource Signal)> _waiters = [];

    public RecordingConnection(Func<string, string?, string>? api = null)
    {
        Mock.Setup(c => c.Events).Returns(_events.AsObservable());
        Mock.Setup(c => c.CreateEventReader(It.IsAny<EslEventReaderOptions?>())).Returns((EslEventReaderOptions? o) => EslEventReader.FromObservable(_events, o));
        Mock.Setup(c => c.StateChanges).Returns(_state.AsObservable());
        Mock.Setup(c => c.State).Returns(() => _state.Value);
        Mock.Setup(c => c.SubscribeAsync(It.IsAny<IEnumerable<string>>(), It.IsAny<IEnumerable<string>?>(), It.IsAny<EslEventFormat>(), It.IsAny<CancellationToken>()))
            .Returns(Task.CompletedTask);
        Mock.Setup(c => c.ApiAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns((string command, string? args, CancellationToken _) =>
            {
                Record($"api {command} {args}");
                return Task.FromResult(new EslApiResponse(api?.Invoke(command, args) ?? (command == "show" ? "{\"row_count\":0}" : "+OK\n")));
            });
        Mock.Setup(c => c.ExecuteAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<EslExecuteOptions?>(), It.IsAny<CancellationToken>()))
            .Returns((string uuid, string app, string? args, EslExecuteOptions? options, CancellationToken _) =>
            {
                string eventUuid = options?.EventUuid ?? Guid.NewGuid().ToString();
                if (app == "eavesdrop")
                {
                    EavesdropEventUuid = eventUuid;
                }

                Record($"execute {uuid} {app} {args}".TrimEnd());
                return Task.FromResult(new EslExecution(uuid, app, eventUuid, new TaskCompletionSource<EslEvent>().Task));
            });
        Mock.Setup(c => c.SendEventAsync(It.IsAny<string>(), It.IsAny<IEnumerable<KeyValuePair<string, string>>>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns((string name, IEnumerable<KeyValuePair<string, string>> headers, string? _, CancellationToken _) =>
            {
                Record($"sendevent {name} " + string.Join(' ', headers.Select(h => $"{h.Key}={h.Value}")));
                return Task.FromResult(Guid.NewGuid().ToString());
            });
        Mock.Setup(c => c.HangupAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string uuid, string cause, CancellationToken _) =>
            {
                Record($"kill {uuid} {cause}");
                return Task.FromResult(true);
            });
    }

    public Mock<IEslConnection> Mock { get; } = new(MockBehavior.Strict);

    public IEslConnection Object => Mock.Object;

    /// <summary>The Event-UUID the controller gave its eavesdrop (the switch reports it as Application-UUID).</summary>
    public string? EavesdropEventUuid { get; private set; }

    public IReadOnlyList<string> Commands
    {
        get
        {
            lock (_commands)
            {
                return [.. _commands];
            }
        }
    }

    public void Push(EslEvent e) => _events.OnNext(e);

    public void SetState(EslConnectionState state) => _state.OnNext(state);

    /// <summary>Waits until <paramref name="count"/> recorded commands match.</summary>
    public Task WaitForAsync(Func<string, bool> match, int count = 1)
    {
        lock (_commands)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_commands.Count(match) >= count)
            {
                signal.SetResult();
            }
            else
            {
                _waiters.Add((match, count, signal));
            }

            return signal.Task.WaitAsync(SupervisionHarness.Patience);
        }
    }

    private void Record(string command)
    {
        lock (_commands)
        {
            _commands.Add(command);
            foreach (var waiter in _waiters.Where(w => _commands.Count(w.Match) >= w.Count).ToList())
            {
                waiter.Signal.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }
}
