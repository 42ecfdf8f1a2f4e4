namespace EslSupervision.Testing;

/// <summary>Settings of a <see cref="FakeFreeSwitch"/>.</summary>
public sealed class FakeFreeSwitchOptions
{
    /// <summary>The password <c>auth</c> accepts. Required; there is no default password.</summary>
    public string Password { get; set; } = string.Empty;

    /// <summary>The port to listen on at 127.0.0.1; 0 (default) lets the OS choose. Set it to bring a switch up where a client already tries to connect.</summary>
    public int Port { get; set; }

    /// <summary>The clock for timestamps, park timeouts and linger (use FakeTimeProvider in tests).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary><c>FreeSWITCH-Hostname</c> / <c>FreeSWITCH-Switchname</c>.</summary>
    public string Hostname { get; set; } = "fake";

    /// <summary><c>Core-UUID</c>; random when null.</summary>
    public string? CoreUuid { get; set; }

    /// <summary>Default for <see cref="FakeConnection.WriteChunkSize"/> on every new connection.</summary>
    public int? WriteChunkSize { get; set; }

    /// <summary>When set, every new connection splits writes randomly with this seed.</summary>
    public int? RandomChunkSeed { get; set; }

    /// <summary>The largest random chunk (with <see cref="RandomChunkSeed"/>).</summary>
    public int RandomChunkMaxSize { get; set; } = 64;

    /// <summary>Default for <see cref="FakeConnection.RestrictedApi"/> on every new inbound connection.</summary>
    public bool RestrictedApi { get; set; }

    /// <summary>
    /// How often a <c>HEARTBEAT</c> event fires on <see cref="TimeProvider"/>, to connections subscribed to it, as
    /// FreeSWITCH does (<c>event-heartbeat-interval</c>, 20 seconds by default). Null or zero: no heartbeats.
    /// </summary>
    public TimeSpan? HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(20);
}
