using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EslSupervision.EventSocket.Tests.Support;

/// <summary>Records log entries and lets a test await the n-th entry with a given event id.</summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<(int Id, string Message)> _entries = new();
    private readonly object _gate = new();
    private readonly List<(int Id, int Count, TaskCompletionSource Signal)> _waiters = [];

    private readonly ConcurrentQueue<(int Id, LogLevel Level, string Text)> _detailed = new();

    public IReadOnlyList<(int Id, string Message)> Entries => [.. _entries];

    /// <summary>Every entry with its level; the text is the message followed by the exception's message, if any.</summary>
    public IReadOnlyList<(int Id, LogLevel Level, string Text)> Detailed => [.. _detailed];

    public Task WaitForAsync(int eventId, int count = 1)
    {
        lock (_gate)
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_entries.Count(e => e.Id == eventId) >= count)
            {
                tcs.SetResult();
            }
            else
            {
                _waiters.Add((eventId, count, tcs));
            }

            return tcs.Task.WaitAsync(ScriptedPeer.Patience);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Recorder(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private void Record(int id, string message)
    {
        lock (_gate)
        {
            _entries.Enqueue((id, message));
            int seen = _entries.Count(e => e.Id == id);
            foreach (var waiter in _waiters.Where(w => w.Id == id && seen >= w.Count).ToList())
            {
                waiter.Signal.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class Recorder(RecordingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner._detailed.Enqueue((eventId.Id, logLevel, formatter(state, exception) + " " + exception?.Message));
            owner.Record(eventId.Id, formatter(state, exception));
        }
    }
}
