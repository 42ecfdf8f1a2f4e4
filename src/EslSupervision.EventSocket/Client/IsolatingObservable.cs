using Microsoft.Extensions.Logging;

namespace EslSupervision.EventSocket.Client;

/// <summary>
/// Wraps every subscriber of a library stream so that the Rx contract holds for it whatever the others do: a
/// subscriber that throws (including Rx's default <c>OnError</c>, which rethrows) is logged and never reaches the
/// library's own code; each subscriber gets at most one terminal call; subscribing to a stream whose subject is
/// already disposed yields <c>OnCompleted</c> instead of an exception.
/// </summary>
internal sealed class IsolatingObservable<T> : IObservable<T>
{
    private readonly IObservable<T> _source;
    private readonly ILogger _logger;
    private readonly string _name;

    public IsolatingObservable(IObservable<T> source, ILogger logger, string name)
    {
        _source = source;
        _logger = logger;
        _name = name;
    }

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var isolated = new IsolatedObserver(observer, _logger, _name);
        try
        {
            return _source.Subscribe(isolated);
        }
        catch (ObjectDisposedException)
        {
            isolated.OnCompleted();
            return NoSubscription.Instance;
        }
    }

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();

        public void Dispose()
        {
        }
    }

    private sealed class IsolatedObserver : IObserver<T>
    {
        private readonly IObserver<T> _observer;
        private readonly ILogger _logger;
        private readonly string _name;
        private int _stopped;

        public IsolatedObserver(IObserver<T> observer, ILogger logger, string name)
        {
            _observer = observer;
            _logger = logger;
            _name = name;
        }

        public void OnNext(T value)
        {
            if (Volatile.Read(ref _stopped) != 0)
            {
                return;
            }

            try
            {
                _observer.OnNext(value);
            }
            catch (Exception ex)
            {
                Diagnostics.Log.ObserverFailed(_logger, _name, ex);
            }
        }

        public void OnError(Exception error)
        {
            if (Interlocked.Exchange(ref _stopped, 1) != 0)
            {
                return;
            }

            try
            {
                _observer.OnError(error);
            }
            catch (Exception ex)
            {
                Diagnostics.Log.ObserverFailed(_logger, _name, ex);
            }
        }

        public void OnCompleted()
        {
            if (Interlocked.Exchange(ref _stopped, 1) != 0)
            {
                return;
            }

            try
            {
                _observer.OnCompleted();
            }
            catch (Exception ex)
            {
                Diagnostics.Log.ObserverFailed(_logger, _name, ex);
            }
        }
    }
}
