using System.Diagnostics;
using EslSupervision.Dashboard;
using EslSupervision.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace EslSupervision.AspNetCore.Tests;

/// <summary>
/// The demo page in a real browser: Debian's headless Chromium through chromedriver (Selenium), the demo app on a
/// real 127.0.0.1 socket, the fake switch behind it. Not skipped when Chromium is missing: it fails, so CI cannot
/// pass without running it (.ci/run installs the packages).
/// </summary>
public sealed class BrowserTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly string _profile = Path.Combine(Path.GetTempPath(), "esl-dashboard-chromium-" + Guid.NewGuid().ToString("N"));
    private readonly string _screenshots = Path.Combine(RepoRoot(), "artifacts", "browser");
    private DashboardApp _demo = null!;
    private ChromeDriver _browser = null!;
    private string _baseUrl = null!;

    public async ValueTask InitializeAsync()
    {
        _demo = await DashboardApp.CreateAsync([], new DashboardAppSettings { SimulateTraffic = false, AutoAnswerSupervisorPhones = false, Urls = "http://127.0.0.1:0" });
        await _demo.App.StartAsync();
        _baseUrl = _demo.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Directory.CreateDirectory(_screenshots);

        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,800", "--user-data-dir=" + _profile);
        ChromeDriverService service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        _browser = new ChromeDriver(service, options, Patience);
    }

    public async ValueTask DisposeAsync()
    {
        _browser?.Quit();
        _browser?.Dispose();
        await _demo.DisposeAsync();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
    }

    [Fact]
    public async Task Benjamin_whispers_and_barges_from_the_page_and_Mia_sees_none_of_it()
    {
        var clock = Stopwatch.StartNew();
        FakeFreeSwitch fs = _demo.Switch!;
        var wait = new WebDriverWait(_browser, Patience);
        // The page re-renders rows on every live update and reloads after sign-in: an element found a moment ago may be gone.
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        void Click(string css) => wait.Until(d =>
        {
            d.FindElement(By.CssSelector(css)).Click();
            return true;
        });

        // 1. Benjamin signs in and sees Olivia's call appear.
        _browser.Navigate().GoToUrl(_baseUrl);
        Click("#signin-benjamin");
        wait.Until(d => d.FindElement(By.Id("board")).Displayed);
        FakeCall call = fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab");
        string client = call.ALeg.Uuid, olivia = call.BLeg.Uuid;
        wait.Until(d => d.FindElement(By.CssSelector("tr[data-agent='1004'] button[data-action='start-Whisper']")));
        Screenshot("1-olivia-on-a-call");

        // 2. Whisper: the switch rings Benjamin's phone; answered on the fake, Olivia hears him, the client does not.
        Click("tr[data-agent='1004'] button[data-action='start-Whisper']");
        FakeChannel phone = await fs.WaitForRingingAsync("1010", "pbx.lab").WaitAsync(Patience);
        Assert.True(fs.AnswerRinging(phone.Uuid));
        wait.Until(d => d.FindElement(By.CssSelector("tr[data-agent='1004'] .running[data-mode='Whisper']")));
        Assert.True(fs.Hears(olivia, phone.Uuid), "Olivia hears Benjamin");
        Assert.False(fs.Hears(client, phone.Uuid), "the client does not hear Benjamin");
        Assert.True(fs.Hears(phone.Uuid, client) && fs.Hears(phone.Uuid, olivia), "Benjamin hears both");

        // 3. Barge from the page: both hear him.
        Click("tr[data-agent='1004'] button[data-action='switch-Barge']");
        wait.Until(d => d.FindElement(By.CssSelector("tr[data-agent='1004'] .running[data-mode='Barge']")));
        Assert.True(fs.Hears(client, phone.Uuid), "the client hears Benjamin");
        Assert.True(fs.Hears(olivia, phone.Uuid), "Olivia hears Benjamin");
        wait.Until(d => d.FindElements(By.CssSelector("#audit li")).Count >= 3);
        Screenshot("2-benjamin-barges");

        // 4. The call ends: the row disappears and Benjamin's phone is released.
        fs.Hangup(client);
        wait.Until(d => d.FindElements(By.CssSelector("tr[data-agent='1004']")).Count == 0);
        await fs.WaitForChannelAsync(c => c.Uuid == phone.Uuid && c.IsHungUp).WaitAsync(Patience);
        Screenshot("3-call-ended");

        // 5. Mia (other.lab) signs in: her tenant's call shows, nothing of pbx.lab does.
        fs.ClientCallsAgent("4915550002", "Client", "5551000", "1005", "pbx.lab");
        fs.ClientCallsAgent("4915550999", "Client", "5552000", "2004", "other.lab");
        wait.Until(d => d.FindElement(By.CssSelector("tr[data-agent='1005']")));
        Click("#signout");
        Click("#signin-mia");
        wait.Until(d => d.FindElement(By.CssSelector("tr[data-agent='2004']")));
        Assert.Empty(_browser.FindElements(By.CssSelector("tr[data-agent='1005']")));
        string page = wait.Until(d => d.FindElement(By.Id("board")).Text);
        Assert.DoesNotContain("4915550002", page, StringComparison.Ordinal);
        Assert.DoesNotContain("1010", page, StringComparison.Ordinal);
        Assert.DoesNotContain("1004", page, StringComparison.Ordinal);
        Screenshot("4-mia-other-tenant");

        TestContext.Current.SendDiagnosticMessage($"Browser test steps took {clock.Elapsed.TotalSeconds:0.0} s.");
    }

    private void Screenshot(string name) => _browser.GetScreenshot().SaveAsFile(Path.Combine(_screenshots, name + ".png"));

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EslSupervision.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? AppContext.BaseDirectory;
    }
}
