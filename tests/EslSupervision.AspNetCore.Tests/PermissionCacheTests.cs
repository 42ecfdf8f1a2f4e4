using System.Reactive;
using System.Reactive.Subjects;
using EslSupervision.AspNetCore.Internal;
using EslSupervision.Calls;
using EslSupervision.Permissions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.AspNetCore.Tests;

/// <summary>
/// The buttons' permission answers: asked once per supervisor and agent, asked again after the duration (by the
/// app's clock), after the provider's change signal and after a failure; never kept across an invalidation.
/// </summary>
public class PermissionCacheTests
{
    private static readonly UserIdentity Benjamin = new("pbx.lab", "1010");
    private static readonly UserIdentity Olivia = new("pbx.lab", "1004");

    [Fact]
    public async Task Answers_are_reused_until_the_duration_passes_on_the_apps_clock()
    {
        var time = new FakeTimeProvider();
        var provider = new CountingProvider();
        using PermissionCache cache = Create(provider, time, TimeSpan.FromSeconds(15));

        Assert.Equal(["Spy", "Whisper", "Barge"], await cache.AllowedModesAsync(Benjamin, Olivia, default));
        await cache.AllowedModesAsync(Benjamin, Olivia, default);
        Assert.Equal(3, provider.Questions);

        provider.Allowed = [SupervisionMode.Spy];
        time.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal(["Spy"], await cache.AllowedModesAsync(Benjamin, Olivia, default));
        Assert.Equal(6, provider.Questions);
    }

    [Fact]
    public async Task The_providers_change_signal_drops_every_answer_and_wakes_streams()
    {
        var provider = new CountingProvider();
        using PermissionCache cache = Create(provider, new FakeTimeProvider(), TimeSpan.FromMinutes(10));
        int woken = 0;
        cache.Invalidated += () => woken++;
        await cache.AllowedModesAsync(Benjamin, Olivia, default);

        provider.Allowed = [];
        provider.Changed.OnNext(Unit.Default);

        Assert.Equal(1, woken);
        Assert.Empty(await cache.AllowedModesAsync(Benjamin, Olivia, default));
    }

    [Fact]
    public async Task A_failing_provider_shows_no_button_and_is_asked_again_next_time()
    {
        var provider = new CountingProvider { Fail = true };
        using PermissionCache cache = Create(provider, new FakeTimeProvider(), TimeSpan.FromMinutes(10));

        Assert.Empty(await cache.AllowedModesAsync(Benjamin, Olivia, default));
        provider.Fail = false;

        Assert.Equal(["Spy", "Whisper", "Barge"], await cache.AllowedModesAsync(Benjamin, Olivia, default));
    }

    [Fact]
    public async Task Answers_are_per_supervisor_and_never_for_oneself()
    {
        var provider = new CountingProvider();
        using PermissionCache cache = Create(provider, new FakeTimeProvider(), TimeSpan.FromMinutes(10));
        await cache.AllowedModesAsync(Benjamin, Olivia, default);

        provider.Allowed = [];
        Assert.Empty(await cache.AllowedModesAsync(new UserIdentity("pbx.lab", "1011"), Olivia, default));
        Assert.Empty(await cache.AllowedModesAsync(Olivia, Olivia, default));
        Assert.Equal(6, provider.Questions);
    }

    private static PermissionCache Create(CountingProvider provider, TimeProvider time, TimeSpan duration)
        => new(provider, new StaticMonitor(), Options.Create(new EslSupervisionDashboardOptions { PermissionCacheDuration = duration }), time);

    private sealed class CountingProvider : ISupervisionPermissionProvider, ISupervisionPermissionChangeSource
    {
        public Subject<Unit> Changed { get; } = new();

        public SupervisionMode[] Allowed { get; set; } = [SupervisionMode.Spy, SupervisionMode.Whisper, SupervisionMode.Barge];

        public bool Fail { get; set; }

        public int Questions { get; private set; }

        public IObservable<Unit> PermissionsChanged => Changed;

        public ValueTask<PermissionDecision> AuthorizeAsync(SupervisionRequest request, CancellationToken cancellationToken)
        {
            Questions++;
            if (Fail)
            {
                throw new InvalidOperationException("directory down");
            }

            return ValueTask.FromResult(Allowed.Contains(request.Mode) ? PermissionDecision.Allow() : PermissionDecision.Deny(DenialReason.ModeNotAllowed, "no"));
        }
    }

    private sealed class StaticMonitor : IOptionsMonitor<SupervisionOptions>
    {
        public SupervisionOptions CurrentValue { get; } = new();

        public SupervisionOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<SupervisionOptions, string?> listener) => null;
    }
}
