using System.Buffers.Text;
using System.Collections.Concurrent;
using EslSupervision.Calls;
using EslSupervision.Cluster;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Tests.Cluster;

/// <summary>Two switches' worth of token plumbing on one fake clock: fs-a issues, fs-b verifies.</summary>
internal sealed class TokenKit
{
    public const string OriginSwitch = "fs-a";
    public const string TargetSwitch = "fs-b";

    public static readonly string KeyA = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    public static readonly string KeyB = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());

    public TokenKit(SupervisionTokenOptions? options = null, ISupervisionTokenStore? store = null)
    {
        Options = options ?? NewOptions();
        Store = store ?? new InMemorySupervisionTokenStore(Time);
        Issuer = SupervisionTokenFactory.CreateIssuer(Options, Time, Log);
        Validator = SupervisionTokenFactory.CreateValidator(Options, Store, Time, Log);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));

    public RecordingLogger Log { get; } = new();

    public SupervisionTokenOptions Options { get; }

    public ISupervisionTokenStore Store { get; }

    public SupervisionTokenIssuer Issuer { get; }

    public SupervisionTokenValidator Validator { get; }

    public static SupervisionTokenOptions NewOptions(string key = "", string keyId = "k1")
        => new() { TokenKey = key.Length == 0 ? KeyA : key, TokenKeyId = keyId };

    /// <summary>Benjamin (1010) on fs-a supervising Olivia (1004) on fs-b.</summary>
    public static SupervisionHandOff BenjaminOnOlivia(SupervisionMode mode = SupervisionMode.Spy, string agentLeg = "7f4c2b1e-3d5a-4c8e-9b6f-0a1b2c3d4e5f")
        => new(new UserIdentity("pbx.lab", "1010"), OriginSwitch, "c0ffee00-1111-4222-8333-444455556666", agentLeg, "1004", mode, TargetSwitch);

    public string Issue(SupervisionHandOff? handOff = null)
    {
        Assert.True(Issuer.TryIssue(handOff ?? BenjaminOnOlivia(), out IssuedSupervisionToken? token, out string? error), error);
        return token.Destination;
    }

    public SupervisionTokenOutcome Check(string? destination, string localSwitch = TargetSwitch)
    {
        ValueTask<SupervisionTokenOutcome> pending = Validator.ValidateAsync(destination, localSwitch, TestContext.Current.CancellationToken);
        Assert.True(pending.IsCompleted, "the in-memory path must not wait");
        return pending.AsTask().GetAwaiter().GetResult();
    }

    public static (byte[] Payload, byte[] Mac) Split(string destination)
    {
        int dot = destination.IndexOf('.', StringComparison.Ordinal);
        return (Base64Url.DecodeFromChars(destination.AsSpan(4, dot - 4)), Base64Url.DecodeFromChars(destination.AsSpan(dot + 1)));
    }

    public static string Join(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> mac)
        => "sup-" + Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(mac);
}

/// <summary>Keeps every formatted log line, to prove no token or key reaches a log.</summary>
internal sealed class RecordingLogger : ILogger
{
    public ConcurrentQueue<(EventId Id, string Message, Exception? Error)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => Lines.Enqueue((eventId, formatter(state, exception), exception));
}
