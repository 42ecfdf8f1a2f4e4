using EslSupervision.EventSocket;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EslSupervision.Tests.Hosting;

/// <summary>The settings inbound and outbound connections share bind under the same keys in both sections and are checked by one rule set.</summary>
public class SharedConnectionSettingsTests
{
    [Fact]
    public async Task Shared_settings_bind_in_both_sections_and_keep_their_own_defaults()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(LabHost.LabSettings(8021))
        {
            ["EslSupervision:Connection:CommandTimeout"] = "00:00:07",
            ["EslSupervision:Connection:OverflowPolicy"] = "Wait",
            ["EslSupervision:Outbound:BackgroundJobTimeout"] = "00:00:30",
            ["EslSupervision:Outbound:EventBufferCapacity"] = "128",
        }).Build();
        var services = new ServiceCollection();
        services.AddEslSupervision(configuration);
        await using ServiceProvider provider = services.BuildServiceProvider();

        EslClientOptions inbound = provider.GetRequiredService<IOptions<EslClientOptions>>().Value;
        EslOutboundListenerOptions outbound = provider.GetRequiredService<IOptions<EslOutboundListenerOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(7), inbound.CommandTimeout);
        Assert.Equal(EslOverflowPolicy.Wait, inbound.OverflowPolicy);
        Assert.Equal(1_024, inbound.EventBufferCapacity);
        Assert.Equal(64 * 1024 * 1024, inbound.MaxFrameSize);
        Assert.Equal(TimeSpan.FromSeconds(30), outbound.BackgroundJobTimeout);
        Assert.Equal(128, outbound.EventBufferCapacity);
        Assert.Equal(16 * 1024 * 1024, outbound.MaxFrameSize);
        Assert.Equal(TimeSpan.FromSeconds(10), outbound.CommandTimeout);
    }

    [Fact]
    public void A_shared_setting_out_of_range_is_refused_with_the_same_words_inbound_and_outbound()
    {
        var inbound = new EslClientOptions { Password = "x", EventBufferCapacity = 8, CommandTimeout = TimeSpan.Zero };
        var outbound = new EslOutboundListenerOptions { EventBufferCapacity = 8, CommandTimeout = TimeSpan.Zero };

        ValidateOptionsResult a = new EslClientOptionsValidator().Validate(null, inbound);
        ValidateOptionsResult b = new EslOutboundListenerOptionsValidator().Validate(null, outbound);

        Assert.Equal(["CommandTimeout must be positive.", "EventBufferCapacity must be at least 16."], a.Failures!);
        Assert.Equal(a.Failures!, b.Failures!);
    }
}
