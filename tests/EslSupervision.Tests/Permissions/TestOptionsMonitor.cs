using Microsoft.Extensions.Options;

namespace EslSupervision.Tests.Permissions;

/// <summary>
/// An options monitor whose value a test can replace, as a configuration reload would: setting
/// <see cref="CurrentValue"/> notifies the <see cref="OnChange"/> listeners, like the framework's monitor.
/// </summary>
internal sealed class TestOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    private readonly List<Action<T, string?>> _listeners = [];
    private T _value = value;

    public T CurrentValue
    {
        get => _value;
        set
        {
            _value = value;
            Action<T, string?>[] listeners;
            lock (_listeners)
            {
                listeners = [.. _listeners];
            }

            foreach (Action<T, string?> listener in listeners)
            {
                listener(value, Options.DefaultName);
            }
        }
    }

    public T Get(string? name) => CurrentValue;

    public IDisposable? OnChange(Action<T, string?> listener)
    {
        lock (_listeners)
        {
            _listeners.Add(listener);
        }

        return new Unsubscribe(() =>
        {
            lock (_listeners)
            {
                _listeners.Remove(listener);
            }
        });
    }

    private sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
