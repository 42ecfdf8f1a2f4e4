// EslSupervision example: the library wired through AddEslSupervision in a Generic Host.
//
//   dotnet run --project examples/EslSupervision.Example
//       No connection settings: starts an embedded fake FreeSWITCH with the lab (pbx.lab) and plays the seed's story.
//
//   EslSupervision__Connection__Host=10.0.0.5 EslSupervision__Connection__Password=... dotnet run --project examples/EslSupervision.Example
//       Connects to a real switch (settings from appsettings.json, environment variables or the command line)
//       and supervises until Ctrl+C.
using System.Security.Cryptography;
using System.Text;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Example;
using EslSupervision.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

Console.OutputEncoding = Encoding.UTF8;
HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory, // appsettings.json sits next to the binary, wherever `dotnet run` is called from
});

// An empty EslSupervision:Connection section means "embedded demo".
bool embedded = !builder.Configuration.GetSection("EslSupervision:Connection").GetChildren().Any(c => !string.IsNullOrEmpty(c.Value));
return embedded ? await RunStoryAsync(builder) : await RunAgainstSwitchAsync(builder);

static async Task<int> RunAgainstSwitchAsync(HostApplicationBuilder builder)
{
    builder.Services.AddEslSupervision(builder.Configuration);
    builder.Services.AddHealthChecks().AddEslSupervision();
    using IHost host = builder.Build();
    try
    {
        // Resolving the controller validates the options (no password: OptionsValidationException below).
        ILogger audit = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Audit");
        using IDisposable subscription = host.Services.GetRequiredService<SupervisionController>().Audit.Subscribe(e =>
            audit.LogInformation("{Kind} {Supervisor} -> {Agent} {Mode} {Reason}", e.Kind, e.Supervisor, e.Agent, e.Mode, (object?)e.DenialReason ?? e.EndReason));
        await host.RunAsync();
        return 0;
    }
    catch (OptionsValidationException ex)
    {
        await Console.Error.WriteLineAsync($"Invalid {ex.OptionsType.Name} settings (section EslSupervision): {string.Join(" ", ex.Failures)}");
        return 2;
    }
    catch (EslException ex)
    {
        await Console.Error.WriteLineAsync($"Could not start supervision: {ex.Message}");
        return 3;
    }
}

static async Task<int> RunStoryAsync(HostApplicationBuilder builder)
{
    // A fresh random password: the demo never ships one, and the library has no default.
    string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = password });
    fs.AddUser(new FakeUser("1004", Lab.Domain, "Olivia"));
    fs.AddUser(new FakeUser("1005", Lab.Domain, "Sam"));
    fs.AddUser(new FakeUser("1010", Lab.Domain, "Benjamin"));

    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["EslSupervision:Connection:Host"] = "127.0.0.1",
        ["EslSupervision:Connection:Port"] = fs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EslSupervision:Connection:Password"] = password,

        // Keep the story readable: warnings and errors only (overrides appsettings.json's Information).
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
    });
    builder.Services.AddEslSupervision(builder.Configuration);
    using IHost host = builder.Build();

    Console.WriteLine($"EslSupervision demo against an embedded fake FreeSWITCH on 127.0.0.1:{fs.Port}");
    Console.WriteLine("Lab pbx.lab: Olivia 1004 and Sam 1005 are agents, Benjamin 1010 supervises ring group \"support\".");
    try
    {
        await host.StartAsync().WaitAsync(Lab.Patience);
        using var story = new Story(fs, host.Services);
        await story.RunAsync();
        Console.WriteLine();
        Console.WriteLine("The story happened as told.");
        return 0;
    }
    catch (Exception ex) when (ex is StoryFailedException or TimeoutException or EslException or OptionsValidationException)
    {
        Console.Out.Flush();
        await Console.Error.WriteLineAsync($"The story did not happen: {ex.Message}");
        return 1;
    }
    finally
    {
        await host.StopAsync().WaitAsync(Lab.Patience);
    }
}
