using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EslSupervision.EventSocket;

namespace EslSupervision.Benchmarks;

/// <summary>
/// Ingest as a user sees it, beside two references, each in its own process over loopback:
/// <c>framer</c> finds frames and reads nothing (the ceiling); <c>framer-decode</c> url-decodes every header
/// of every event into a dictionary (a naive eager client); <c>ours</c>/<c>ours-8h</c> use the public
/// <see cref="EslInboundClient.Events"/> stream reading the event name / 8 typical headers; <c>reader-8h</c>
/// reads 8 headers through <see cref="IEslConnection.CreateEventReader"/>. A separate server process replays
/// real FreeSWITCH 1.10.12 event frames (the benchmark corpus, cycled). Only ratios within one run mean anything.
/// </summary>
/// <remarks>
/// <c>--side-by-side [N] [ROUNDS]</c> runs everything; <c>--serve N</c> and <c>--drive KIND PORT N</c> are the child processes.
/// </remarks>
internal static class SideBySide
{
    private const string Password = "ClueCon";
    private const int BlockFrames = 1000;
    private static readonly string[] Kinds = ["framer", "framer-decode", "ours", "ours-8h", "reader-8h"];

    public static int Run(string[] args)
    {
        int at = Array.FindIndex(args, a => a.StartsWith("--", StringComparison.Ordinal));
        string mode = args[at];
        string[] rest = args[(at + 1)..];
        return mode switch
        {
            "--serve" => Serve(long.Parse(rest[0], CultureInfo.InvariantCulture)),
            "--drive" => Drive(rest[0], int.Parse(rest[1], CultureInfo.InvariantCulture), long.Parse(rest[2], CultureInfo.InvariantCulture)),
            _ => Orchestrate(rest.Length > 0 ? long.Parse(rest[0], CultureInfo.InvariantCulture) : 200_000, rest.Length > 1 ? int.Parse(rest[1], CultureInfo.InvariantCulture) : 3),
        };
    }

    private static int Orchestrate(long n, int rounds)
    {
        n = Math.Max(BlockFrames, n / BlockFrames * BlockFrames);
        Console.WriteLine($"side by side: {n:N0} events per run, {rounds} interleaved rounds; corpus: {Corpus.Describe()}");
        var results = Kinds.ToDictionary(k => k, _ => new List<Result>());
        for (int round = 1; round <= rounds; round++)
        {
            foreach (string kind in Kinds)
            {
                Result r = RunOne(kind, n);
                results[kind].Add(r);
                Console.WriteLine($"round {round} {kind,-14} ev/s={r.EventsPerSecond,10:F0} cpu_us/ev={r.CpuMicrosPerEvent,6:F2} rss={r.PeakRssMiB,6:F1} MiB alloc/ev={r.AllocPerEvent,8:F0} B");
            }
        }

        double Median(string kind, Func<Result, double> f)
        {
            double[] values = [.. results[kind].Select(f).Order()];
            return values[values.Length / 2];
        }

        double framer = Median("framer", r => r.EventsPerSecond);
        double decode = Median("framer-decode", r => r.EventsPerSecond);
        Console.WriteLine();
        Console.WriteLine("| client | events/s | CPU µs/event | peak RSS MiB | alloc B/event | × framer | × framer-decode |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (string kind in Kinds)
        {
            double evs = Median(kind, r => r.EventsPerSecond);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {kind} | {evs:F0} | {Median(kind, r => r.CpuMicrosPerEvent):F2} | {Median(kind, r => r.PeakRssMiB):F1} | {Median(kind, r => r.AllocPerEvent):F0} | {evs / framer:F2} | {evs / decode:F2} |"));
        }

        return 0;
    }

    private static Result RunOne(string kind, long n)
    {
        string self = Environment.ProcessPath!;
        using Process server = Start(self, $"--serve {n}");
        string? portLine = server.StandardOutput.ReadLine();
        if (portLine is null || !portLine.StartsWith("PORT ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The replay server did not start.");
        }

        try
        {
            using Process driver = Start(self, $"--drive {kind} {portLine[5..]} {n}");
            string output = driver.StandardOutput.ReadToEnd();
            driver.WaitForExit();
            string? line = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
            if (driver.ExitCode != 0 || line is null)
            {
                throw new InvalidOperationException($"{kind} failed ({driver.ExitCode}): {output}");
            }

            Dictionary<string, double> f = line[7..].Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
            return new Result(f["events"] / f["secs"], f["cpu_ms"] * 1000 / f["events"], f["rss_mb"], f["alloc_b"] / f["events"]);
        }
        finally
        {
            server.Kill();
            server.WaitForExit();
        }
    }

    private static Process Start(string path, string arguments)
    {
        var info = new ProcessStartInfo(path, arguments) { RedirectStandardOutput = true, UseShellExecute = false };
        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {path}.");
    }

    /// <summary>The replay server: auth, then N frames cycled from the corpus, once the client subscribed; runs until killed.</summary>
    private static int Serve(long n)
    {
        byte[] block = Corpus.Concatenate(BlockFrames);
        var server = new LoopbackEslServer(block, (int)(n / BlockFrames), Password);
        Console.WriteLine($"PORT {server.Port}");
        Console.Out.Flush();
        server.Subscribed.GetAwaiter().GetResult();
        server.SendBurst();
        Thread.Sleep(Timeout.Infinite); // killed by the orchestrator once the driver is done
        return 0;
    }

    private static int Drive(string kind, int port, long n)
    {
        var sw = Stopwatch.StartNew();
        long events = kind switch
        {
            "framer" or "framer-decode" => Framer(port, n, kind == "framer-decode", sw),
            "ours" or "ours-8h" => Ours(port, n, kind == "ours-8h", sw).GetAwaiter().GetResult(),
            "reader-8h" => Reader(port, n, sw).GetAwaiter().GetResult(),
            _ => throw new ArgumentException($"Unknown kind '{kind}'."),
        };
        double secs = sw.Elapsed.TotalSeconds;
        using var self = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT events={events} secs={secs:F4} cpu_ms={self.TotalProcessorTime.TotalMilliseconds:F0} rss_mb={self.PeakWorkingSet64 / 1048576.0:F1} alloc_b={GC.GetTotalAllocatedBytes()}"));
        return events == n ? 0 : 2;
    }

    private static async Task<long> Ours(int port, long n, bool eight, Stopwatch sw)
    {
        long count = 0, chars = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = port, Password = Password, Reconnect = false, OverflowPolicy = EslOverflowPolicy.Wait });

        // Subscribed before connecting: Events is hot, and the client subscribes to HEARTBEAT while it connects,
        // which is enough for the replay server to start streaming before ConnectAsync returns.
        using IDisposable sub = client.Events.Subscribe(e =>
        {
            chars += eight ? ReadEight(e) : e.EventName.Length;
            if (++count == n)
            {
                done.TrySetResult();
            }
        });
        await client.ConnectAsync();
        sw.Restart();
        await client.SubscribeAsync(["ALL"]);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        sw.Stop();
        GC.KeepAlive(chars);
        return count;
    }

    private static async Task<long> Reader(int port, long n, Stopwatch sw)
    {
        long count = 0, chars = 0;
        await using var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = port, Password = Password, Reconnect = false, OverflowPolicy = EslOverflowPolicy.Wait });
        await using EslEventReader reader = client.CreateEventReader();
        await client.ConnectAsync();
        sw.Restart();
        await client.SubscribeAsync(["ALL"]);
        while (count < n && await reader.WaitToReadAsync())
        {
            while (count < n && reader.TryRead(out EslEvent? e))
            {
                chars += ReadEight(e);
                count++;
            }
        }

        sw.Stop();
        GC.KeepAlive(chars);
        return count;
    }

    /// <summary>The 8 headers a real consumer reads (the same as the reference method's drivers).</summary>
    private static long ReadEight(EslEvent e)
        => e.EventName.Length + (e.UniqueId?.Length ?? 0) + (e["Caller-Caller-ID-Number"]?.Length ?? 0)
           + (e["Caller-Destination-Number"]?.Length ?? 0) + (e["Channel-State"]?.Length ?? 0)
           + (e.GetVariable("sip_from_user")?.Length ?? 0) + (e["Call-Direction"]?.Length ?? 0)
           + (e["Event-Date-Timestamp"]?.Length ?? 0);

    /// <summary>A minimal client: auth, subscribe, then cut frames from a socket; optionally decode every header eagerly.</summary>
    private static long Framer(int port, long n, bool decode, Stopwatch sw)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        var buffer = new byte[256 * 1024];
        int filled = 0;
        long frames = 0;
        long headers = 0;

        // auth/request, +OK accepted, +OK event listener: three frames before the events.
        socket.Send(Encoding.ASCII.GetBytes($"auth {Password}\n\n"));
        bool subscribed = false;
        sw.Restart();
        while (frames < n + 3)
        {
            if (frames >= 2 && !subscribed)
            {
                socket.Send("event plain ALL\n\n"u8);
                subscribed = true;
            }

            int read = socket.Receive(buffer.AsSpan(filled));
            if (read == 0)
            {
                break;
            }

            filled += read;
            int pos = 0;
            while (TryFrame(buffer.AsSpan(pos, filled - pos), out int length, out int bodyStart))
            {
                if (decode && frames >= 3)
                {
                    headers += DecodeAll(buffer.AsSpan(pos + bodyStart, length - bodyStart)).Count;
                }

                pos += length;
                frames++;
                if (frames == 2 && !subscribed)
                {
                    break;
                }
            }

            Buffer.BlockCopy(buffer, pos, buffer, 0, filled - pos);
            filled -= pos;
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
        }

        sw.Stop();
        GC.KeepAlive(headers);
        return frames - 3;
    }

    private static bool TryFrame(ReadOnlySpan<byte> data, out int length, out int bodyStart)
    {
        length = bodyStart = 0;
        int skip = data.IndexOfAnyExcept((byte)'\n');
        if (skip < 0)
        {
            return false;
        }

        int blank = data[skip..].IndexOf("\n\n"u8);
        if (blank < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> envelope = data.Slice(skip, blank);
        int contentLength = 0;
        int at = envelope.IndexOf("Content-Length: "u8);
        if (at >= 0)
        {
            foreach (byte b in envelope[(at + 16)..])
            {
                if (b is < (byte)'0' or > (byte)'9')
                {
                    break;
                }

                contentLength = (contentLength * 10) + (b - '0');
            }
        }

        bodyStart = skip + blank + 2;
        length = bodyStart + contentLength;
        return length <= data.Length;
    }

    private static Dictionary<string, string> DecodeAll(ReadOnlySpan<byte> body)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (!body.IsEmpty)
        {
            int end = body.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? body : body[..end];
            body = end < 0 ? default : body[(end + 1)..];
            if (line.IsEmpty)
            {
                break; // the event's own blank line: its body follows
            }

            int colon = line.IndexOf((byte)':');
            if (colon > 0)
            {
                string value = Encoding.UTF8.GetString(line[(colon + 1)..].TrimStart((byte)' '));
                headers[Encoding.ASCII.GetString(line[..colon])] = Uri.UnescapeDataString(value);
            }
        }

        return headers;
    }

    private readonly record struct Result(double EventsPerSecond, double CpuMicrosPerEvent, double PeakRssMiB, double AllocPerEvent);
}
