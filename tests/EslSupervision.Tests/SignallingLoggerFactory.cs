using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Tests;

/// <summary>Records a component's log event ids (how often each came) and lets a test await one.</summary>
internal sealed class SignallingLoggerFactory : ILoggerFactory, ILogger
{
    private readonly ConcurrentDictionary<int, int> _counts = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _waiters = new();

    public Task WaitForAsync(int id)
    {
        TaskCompletionSource waiter = _waiters.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (Seen(id))
        {
            waiter.TrySetResult();
        }

        return waiter.Task;
    }

    public bool Seen(int id) => _counts.ContainsKey(id);

    public int Count(int id) => _counts.GetValueOrDefault(id);

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        _counts.AddOrUpdate(eventId.Id, 1, (_, n) => n + 1);
        if (_waiters.TryGetValue(eventId.Id, out TaskCompletionSource? waiter))
        {
            waiter.TrySetResult();
        }
    }
}
