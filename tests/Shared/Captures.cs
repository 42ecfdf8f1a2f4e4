namespace EslSupervision.TestSupport;

/// <summary>
/// The real FreeSWITCH 1.10.12 traffic in tests/TestData/fixtures/freeswitch-1.10.12, copied next to the test binaries.
/// </summary>
internal static class Captures
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "fixtures", "freeswitch-1.10.12");

    public static readonly string[] Names =
    [
        "inbound-bad-auth",
        "inbound-commands",
        "outbound-socket-session",
        "outbound-socket-watcher",
        "resync-during-supervision",
        "ring-group-simultaneous",
        "supervision-agent-calls-client",
        "supervision-client-calls-agent",
    ];

    /// <summary>Everything the switch sent on one connection.</summary>
    public static byte[] Server(string name) => File.ReadAllBytes(Path.Combine(Directory, name + ".server.esl"));

    /// <summary>Everything the client sent on one connection.</summary>
    public static byte[] Client(string name) => File.ReadAllBytes(Path.Combine(Directory, name + ".client.esl"));
}
