using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using EslSupervision.EventSocket;
using EslSupervision.EventSocket.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EslSupervision;

/// <summary>
/// The last valid <see cref="SupervisionOptions"/>, as an <see cref="IOptionsMonitor{TOptions}"/> that never throws.
/// </summary>
/// <remarks>
/// Why it exists: after a reload to an invalid value, the framework's <c>OptionsMonitor.CurrentValue</c> throws
/// <see cref="OptionsValidationException"/> on every read (its cache is emptied and each read binds and validates
/// again). The controller read it when deciding whether a parked call was a service code, so every service-code
/// call failed before a session existed: neither served nor refused, no audit. This holder keeps the last value
/// that passed <see cref="SupervisionOptionsValidator"/>, reports an invalid reload (log 2050, metric, health) and
/// raises <see cref="OnChange"/> only for accepted values.
/// </remarks>
internal sealed partial class SupervisionSettings : IOptionsMonitor<SupervisionOptions>, IDisposable
{
    private static readonly SupervisionOptionsValidator Validator = new();
    private readonly object _gate = new();
    private readonly List<Action<SupervisionOptions, string?>> _listeners = [];
    private readonly List<IDisposable> _registrations = [];
    private readonly ILogger _logger;
    private readonly Counter<long>? _invalidReloads;
    private volatile SupervisionOptions _current;
    private volatile IReadOnlyList<string>? _invalidKeys;

    /// <summary>Wraps a monitor (the plain-<c>new</c> path): reloads arrive through its <c>OnChange</c>.</summary>
    public SupervisionSettings(IOptionsMonitor<SupervisionOptions> monitor, ILogger? logger = null, IMeterFactory? meterFactory = null, bool report = true)
        : this(monitor, logger, meterFactory, report, listenToMonitor: true)
    {
    }

    private SupervisionSettings(IOptionsMonitor<SupervisionOptions> monitor, ILogger? logger, IMeterFactory? meterFactory, bool report, bool listenToMonitor)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        _logger = logger ?? NullLogger.Instance;
        if (report)
        {
            Meter meter = EslTelemetry.GetMeter(meterFactory);
            _invalidReloads = meter.CreateCounter<long>("esl_supervision.settings.invalid_reloads", "{reload}", "Settings reloads rejected by validation; the last valid settings stay in force.");
        }

        _current = monitor.CurrentValue;
        ValidateOptionsResult first = Validator.Validate(Options.DefaultName, _current);
        if (first.Failed)
        {
            Reject(first.Failures);
        }

        if (listenToMonitor && monitor.OnChange((value, _) => Offer(value)) is { } registration)
        {
            _registrations.Add(registration);
        }
    }

    /// <summary>
    /// The DI path: besides the monitor's own notifications, listens to the change-token sources and builds the
    /// value afresh with the factory, so an invalid reload (which the monitor never announces) is seen at once.
    /// </summary>
    public SupervisionSettings(
        IOptionsMonitor<SupervisionOptions> monitor,
        IOptionsFactory<SupervisionOptions> factory,
        IEnumerable<IOptionsChangeTokenSource<SupervisionOptions>> sources,
        ILogger? logger = null,
        IMeterFactory? meterFactory = null)
        : this(monitor, logger, meterFactory, report: true, listenToMonitor: false)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(sources);
        foreach (IOptionsChangeTokenSource<SupervisionOptions> source in sources)
        {
            if (string.Equals(source.Name ?? Options.DefaultName, Options.DefaultName, StringComparison.Ordinal))
            {
                _registrations.Add(ChangeToken.OnChange(source.GetChangeToken, () => Reload(factory)));
            }
        }
    }

    /// <summary>The last valid settings.</summary>
    public SupervisionOptions CurrentValue => _current;

    /// <summary>The keys of the rejected reload, while the settings in force are not the ones configured; otherwise null.</summary>
    public IReadOnlyList<string>? InvalidKeys => _invalidKeys;

    /// <summary>Wraps a monitor unless it already is one of these.</summary>
    public static SupervisionSettings For(IOptionsMonitor<SupervisionOptions> monitor, ILogger? logger = null, IMeterFactory? meterFactory = null, bool report = true)
        => monitor as SupervisionSettings ?? new SupervisionSettings(monitor, logger, meterFactory, report);

    /// <inheritdoc/>
    public SupervisionOptions Get(string? name) => _current;

    /// <inheritdoc/>
    public IDisposable? OnChange(Action<SupervisionOptions, string?> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            _listeners.Add(listener);
        }

        return new Registration(this, listener);
    }

    /// <summary>Offers a reloaded value: accepted when valid, otherwise rejected and reported.</summary>
    public void Offer(SupervisionOptions? candidate)
    {
        if (candidate is null)
        {
            Reject(["(settings)"]);
            return;
        }

        ValidateOptionsResult result = Validator.Validate(Options.DefaultName, candidate);
        if (result.Failed)
        {
            Reject(result.Failures);
            return;
        }

        bool wasInvalid;
        Action<SupervisionOptions, string?>[] listeners;
        lock (_gate)
        {
            wasInvalid = _invalidKeys is not null;
            _current = candidate;
            _invalidKeys = null;
            listeners = [.. _listeners];
        }

        if (wasInvalid)
        {
            LogValidAgain(_logger);
        }

        foreach (Action<SupervisionOptions, string?> listener in listeners)
        {
            try
            {
                listener(candidate, Options.DefaultName);
            }
            catch (Exception ex)
            {
                LogListenerFailed(_logger, ex);
            }
        }
    }

    public void Dispose()
    {
        foreach (IDisposable registration in _registrations)
        {
            registration.Dispose();
        }
    }

    /// <summary>The configuration keys named by validation failures, without the values (no secrets, no numbers).</summary>
    internal static IReadOnlyList<string> KeysOf(IEnumerable<string>? failures)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string failure in failures ?? [])
        {
            Match m = KeyPattern().Match(failure ?? string.Empty);
            keys.Add(m.Success ? (m.Value == "Tenant" ? "Tenants" : m.Value) : "(settings)");
        }

        return keys.Count == 0 ? ["(settings)"] : [.. keys];
    }

    private void Reload(IOptionsFactory<SupervisionOptions> factory)
    {
        try
        {
            Offer(factory.Create(Options.DefaultName));
        }
        catch (OptionsValidationException ex)
        {
            Reject(ex.Failures);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            // A value that cannot even be bound (e.g. "abc" for a TimeSpan) is invalid too.
            Reject([ex.GetType().Name]);
        }
    }

    private void Reject(IEnumerable<string> failures)
    {
        IReadOnlyList<string> keys = KeysOf(failures);
        _invalidKeys = keys;
        _invalidReloads?.Add(1);
        LogInvalid(_logger, string.Join(", ", keys));
    }

    [GeneratedRegex(@"^[A-Za-z]+(\[\d+\])?", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    [LoggerMessage(2050, LogLevel.Error, "Supervision settings reload rejected: invalid keys {Keys}. The last valid settings stay in force until the settings are fixed.")]
    private static partial void LogInvalid(ILogger logger, string keys);

    [LoggerMessage(2051, LogLevel.Information, "Supervision settings are valid again and in force.")]
    private static partial void LogValidAgain(ILogger logger);

    [LoggerMessage(2052, LogLevel.Error, "A settings change listener failed.")]
    private static partial void LogListenerFailed(ILogger logger, Exception error);

    private sealed class Registration(SupervisionSettings owner, Action<SupervisionOptions, string?> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._listeners.Remove(listener);
            }
        }
    }
}
