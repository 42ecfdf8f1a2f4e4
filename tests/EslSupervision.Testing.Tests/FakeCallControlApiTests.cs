namespace EslSupervision.Testing.Tests;

/// <summary>The fake's call-control API commands answer with mod_commands' exact bytes (api/response bodies).</summary>
public sealed class FakeCallControlApiTests
{
    private static async Task<FakeFreeSwitch> StartAsync()
    {
        var fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "secret" });
        fs.AddUser(new FakeUser("1004", "pbx.lab", "Olivia"));
        fs.AddUser(new FakeUser("1005", "pbx.lab", "Sam"));
        fs.AddUser(new FakeUser("1011", "pbx.lab", "Lena") { Registered = false });
        return fs;
    }

    [Fact]
    public async Task Originate_answers_with_the_origination_uuid_or_the_cause()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        const string Uuid = "0f8e2a5c-1b2d-4c3e-8f9a-0123456789ab";

        Assert.Equal("+OK " + Uuid + "\n", (await c.CommandAsync("api originate {origination_uuid=" + Uuid + "}user/1004@pbx.lab &park()")).BodyText);
        Assert.Equal("-ERR USER_NOT_REGISTERED\n", (await c.CommandAsync("api originate user/1011@pbx.lab &park()")).BodyText);
        Assert.Equal("-ERR SUBSCRIBER_ABSENT\n", (await c.CommandAsync("api originate user/1099@pbx.lab &park()")).BodyText);

        FakeChannel leg = fs.GetChannel(Uuid)!;
        Assert.True(leg.IsAnswered);
        Assert.True(leg.IsParked);
        Assert.Equal("outbound", leg.Direction);
    }

    [Fact]
    public async Task Bridge_transfer_and_exists_answer_like_the_switch()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        const string A = "0f8e2a5c-1b2d-4c3e-8f9a-0123456789ab";
        const string B = "1f8e2a5c-1b2d-4c3e-8f9a-0123456789ab";
        const string Missing = "2f8e2a5c-1b2d-4c3e-8f9a-0123456789ab";
        await c.CommandAsync("api originate {origination_uuid=" + A + "}user/1004@pbx.lab &park()");
        await c.CommandAsync("api originate {origination_uuid=" + B + "}user/1005@pbx.lab &park()");

        Assert.Equal("true", (await c.CommandAsync("api uuid_exists " + A)).BodyText);
        Assert.Equal("false", (await c.CommandAsync("api uuid_exists " + Missing)).BodyText);
        Assert.Equal("-ERR Invalid uuid\n", (await c.CommandAsync($"api uuid_bridge {A} {Missing}")).BodyText);
        Assert.Equal("+OK " + B + "\n", (await c.CommandAsync($"api uuid_bridge {A} {B}")).BodyText);
        Assert.Equal(B, fs.GetChannel(A)!.BridgedTo);
        Assert.False(fs.GetChannel(A)!.IsParked);

        Assert.Equal("-ERR No Such Channel!\n", (await c.CommandAsync($"api uuid_transfer {Missing} 1000")).BodyText);
        Assert.Equal("+OK\n", (await c.CommandAsync($"api uuid_transfer {A} -both 5000 XML pbx.lab")).BodyText);
        Assert.Null(fs.GetChannel(A)!.BridgedTo);
        Assert.True(fs.GetChannel(A)!.IsParked);
        Assert.True(fs.GetChannel(B)!.IsParked);
    }
}
