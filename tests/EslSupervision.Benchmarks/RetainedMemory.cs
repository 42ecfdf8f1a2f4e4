using System.Globalization;
using EslSupervision.EventSocket;

namespace EslSupervision.Benchmarks;

/// <summary>
/// What holding events costs: builds <see cref="Count"/> events from real frame bodies, keeps them all, and
/// divides the growth of the live heap (after full collections) by the count. BenchmarkDotNet measures
/// allocation, not retention, so this is a separate mode (<c>--retained</c>).
/// </summary>
internal static class RetainedMemory
{
    public const int Count = 10_000;

    private static readonly string[] TypicalHeaders =
    [
        "Unique-ID", "Call-Direction", "variable_dialed_user", "variable_dialed_domain",
        "variable_user_name", "variable_domain_name", "Caller-Destination-Number", "Application",
    ];

    public static void Run()
    {
        double wire = Corpus.Bodies(Count).Average(b => (double)b.Length);
        Console.WriteLine($"Corpus: {Corpus.Describe()}");
        Console.WriteLine($"Held: {Count:N0} events; mean event body (what FromPlain keeps) {wire:N0} bytes");
        Console.WriteLine();
        Console.WriteLine("| State of the held events | Bytes retained per event | Ratio to body size |");
        Console.WriteLine("|---|---:|---:|");
        Measure("Body arrays only (no EslEvent)", wire, bodies => bodies);
        Measure("FromPlain (nothing read)", wire, bodies => bodies.Select(EslEvent.FromPlain).ToArray());
        Measure("FromPlain + EventName", wire, bodies => bodies.Select(b =>
        {
            EslEvent e = EslEvent.FromPlain(b);
            _ = e.EventName;
            return e;
        }).ToArray());
        Measure("FromPlain + EventName + 8 headers", wire, bodies => bodies.Select(b =>
        {
            EslEvent e = EslEvent.FromPlain(b);
            _ = e.EventName;
            foreach (string name in TypicalHeaders)
            {
                _ = e[name];
            }

            return e;
        }).ToArray());
        Measure("FromPlain + every header read", wire, bodies => bodies.Select(b =>
        {
            EslEvent e = EslEvent.FromPlain(b);
            foreach (KeyValuePair<string, string> _ in e.Headers)
            {
            }

            return e;
        }).ToArray());
    }

    private static void Measure(string label, double wire, Func<byte[][], object> hold)
    {
        // Run once untimed so that statics, JIT and lazy caches are not charged to the events.
        GC.KeepAlive(hold(Corpus.Bodies(64)));

        long before = GC.GetTotalMemory(forceFullCollection: true);
        object held = hold(Corpus.Bodies(Count));
        long after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(held);

        double perEvent = (after - before) / (double)Count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {perEvent:N0} | {perEvent / wire:N2}× |"));
    }
}
