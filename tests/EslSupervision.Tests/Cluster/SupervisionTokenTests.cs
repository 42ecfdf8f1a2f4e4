using System.Text.RegularExpressions;
using EslSupervision.Calls;
using EslSupervision.Cluster;

namespace EslSupervision.Tests.Cluster;

/// <summary>A token issued on the supervisor's switch is accepted once on the agent's switch, and only there.</summary>
public class SupervisionTokenTests
{
    private static readonly Regex Shape = new(SupervisionTokenFormat.DialplanExpression, RegexOptions.CultureInvariant);

    [Theory]
    [InlineData(SupervisionMode.Spy)]
    [InlineData(SupervisionMode.Whisper)]
    [InlineData(SupervisionMode.Barge)]
    public void A_token_round_trips_to_exactly_what_was_issued(SupervisionMode mode)
    {
        var kit = new TokenKit();
        SupervisionHandOff handOff = TokenKit.BenjaminOnOlivia(mode);
        Assert.True(kit.Issuer.TryIssue(handOff, out IssuedSupervisionToken? token, out _));

        SupervisionTokenOutcome outcome = kit.Check(token.Destination);

        Assert.True(outcome.IsAccepted, outcome.ToString());
        Assert.Equal(handOff, outcome.Claims.HandOff);
        Assert.Equal(token.Claims.Nonce, outcome.Claims.Nonce);
        Assert.Equal("k1", outcome.Claims.KeyId);
        Assert.Equal(kit.Time.GetUtcNow() + kit.Options.TokenLifetime, outcome.Claims.ExpiresAt);
        Assert.Matches(Shape, token.Destination);
        Assert.Equal(22, outcome.Claims.Nonce.Length);
    }

    [Theory]
    [InlineData("7F4C2B1E-3D5A-4C8E-9B6F-0A1B2C3D4E5F")]
    [InlineData("deadbeef")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Leg_ids_that_are_not_canonical_uuids_survive_unchanged(string agentLeg)
    {
        var kit = new TokenKit();
        SupervisionHandOff handOff = TokenKit.BenjaminOnOlivia(agentLeg: agentLeg);

        SupervisionTokenOutcome outcome = kit.Check(kit.Issue(handOff));

        Assert.True(outcome.IsAccepted, outcome.ToString());
        Assert.Equal(agentLeg, outcome.Claims.HandOff.AgentLegUuid);
    }

    [Fact]
    public void Two_tokens_for_the_same_hand_off_differ_and_are_each_accepted_once()
    {
        var kit = new TokenKit();
        string first = kit.Issue();
        string second = kit.Issue();

        Assert.NotEqual(first, second);
        Assert.True(kit.Check(first).IsAccepted);
        Assert.True(kit.Check(second).IsAccepted);
    }

    [Fact]
    public void A_cloud_sized_hand_off_fits_in_255_characters()
    {
        var kit = new TokenKit(TokenKit.NewOptions(keyId: "k2026"));
        var handOff = new SupervisionHandOff(
            new UserIdentity("acme-corp.pbx.example.com", "supervisor.07"),
            "fs-eu-1a-07", Guid.NewGuid().ToString("D"), Guid.NewGuid().ToString("D"), "4711",
            SupervisionMode.Barge, "fs-eu-1b-12");

        string destination = kit.Issue(handOff);

        Assert.InRange(destination.Length, 1, 255);
        Assert.True(kit.Check(destination, "fs-eu-1b-12").IsAccepted);
    }

    /// <summary>
    /// The budget: 155 payload bytes - 66 fixed (version, mode, expiry, nonce, two binary UUIDs, six length bytes) leave
    /// 89 characters for key id + tenant + both extensions + both switch names. Here 2 + 4 + 4 + 4 + 4 = 18, so the
    /// tenant may have 71 characters and not 72.
    /// </summary>
    [Theory]
    [InlineData(71, true)]
    [InlineData(72, false)]
    public void The_text_budget_is_89_characters_and_the_destination_never_exceeds_255(int tenantLength, bool fits)
    {
        var kit = new TokenKit();
        string tenant = new string('t', 63) + "." + new string('e', tenantLength - 64);
        SupervisionHandOff handOff = TokenKit.BenjaminOnOlivia() with { Supervisor = new UserIdentity(tenant, "1010") };

        bool issued = kit.Issuer.TryIssue(handOff, out IssuedSupervisionToken? token, out string? error);

        Assert.Equal(fits, issued);
        if (fits)
        {
            Assert.Equal(255, token!.Destination.Length);
            Assert.True(kit.Check(token.Destination).IsAccepted);
        }
        else
        {
            Assert.Contains("255", error, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string> UnsafeHandOffs() =>
    [
        "tenant with ${}", "supervisor with CR LF", "agent with space", "agent empty", "origin switch with space",
        "target switch with dot-dot path", "target switch too long", "agent leg with LF", "origin leg not hex", "unknown mode",
    ];

    [Theory]
    [MemberData(nameof(UnsafeHandOffs))]
    public void A_hand_off_that_breaks_the_text_rules_is_not_issued(string why)
    {
        var kit = new TokenKit();
        SupervisionHandOff good = TokenKit.BenjaminOnOlivia();
        SupervisionHandOff handOff = why switch
        {
            "tenant with ${}" => good with { Supervisor = new UserIdentity("${domain}", "1010") },
            "supervisor with CR LF" => good with { Supervisor = new UserIdentity("pbx.lab", "1010\r\nevent") },
            "agent with space" => good with { AgentExtension = "10 04" },
            "agent empty" => good with { AgentExtension = "" },
            "origin switch with space" => good with { OriginSwitch = "fs a" },
            "target switch with dot-dot path" => good with { TargetSwitch = "../b" },
            "target switch too long" => good with { TargetSwitch = new string('b', 33) },
            "agent leg with LF" => good with { AgentLegUuid = "7f4c2b1e\n3d5a" },
            "origin leg not hex" => good with { OriginLegUuid = "not-a-uuid-at-all" },
            _ => good with { Mode = (SupervisionMode)7 },
        };

        Assert.False(kit.Issuer.TryIssue(handOff, out _, out string? error), why);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Every_flipped_bit_of_the_signature_is_refused_as_a_bad_signature()
    {
        var kit = new TokenKit();
        (byte[] payload, byte[] mac) = TokenKit.Split(kit.Issue());

        for (int bit = 0; bit < mac.Length * 8; bit++)
        {
            byte[] forged = (byte[])mac.Clone();
            forged[bit / 8] ^= (byte)(1 << (bit % 8));

            Assert.Equal(SupervisionTokenRefusal.BadSignature, kit.Check(TokenKit.Join(payload, forged)).Reason);
        }
    }

    [Fact]
    public void Every_flipped_bit_of_the_payload_is_refused()
    {
        var kit = new TokenKit();
        (byte[] payload, byte[] mac) = TokenKit.Split(kit.Issue());
        int header = 2 + payload[1]; // version, key id length, key id: read before the MAC to choose the key

        for (int bit = 0; bit < payload.Length * 8; bit++)
        {
            byte[] forged = (byte[])payload.Clone();
            forged[bit / 8] ^= (byte)(1 << (bit % 8));

            SupervisionTokenRefusal reason = kit.Check(TokenKit.Join(forged, mac)).Reason;
            if (bit / 8 < header)
            {
                Assert.Contains(reason, new[] { SupervisionTokenRefusal.Malformed, SupervisionTokenRefusal.UnknownKey });
            }
            else
            {
                Assert.Equal(SupervisionTokenRefusal.BadSignature, reason);
            }
        }
    }

    [Fact]
    public void A_token_signed_with_another_key_under_the_same_id_is_a_bad_signature()
    {
        var kit = new TokenKit();
        var attacker = new TokenKit(TokenKit.NewOptions(TokenKit.KeyB));

        Assert.Equal(SupervisionTokenRefusal.BadSignature, kit.Check(attacker.Issue()).Reason);
    }

    [Theory]
    [InlineData("other agent")]
    [InlineData("other mode")]
    [InlineData("other supervisor")]
    [InlineData("other switch")]
    public void Editing_what_the_token_binds_breaks_the_signature(string edit)
    {
        var kit = new TokenKit();
        SupervisionHandOff issued = TokenKit.BenjaminOnOlivia(SupervisionMode.Spy);
        SupervisionHandOff wanted = edit switch
        {
            "other agent" => issued with { AgentLegUuid = "11111111-2222-4333-8444-555555555555", AgentExtension = "1005" },
            "other mode" => issued with { Mode = SupervisionMode.Barge },
            "other supervisor" => issued with { Supervisor = new UserIdentity("pbx.lab", "1011") },
            _ => issued with { TargetSwitch = "fs-c" },
        };

        // The attacker holds a genuine token for `issued` and one (from any key) carrying the payload it wants.
        (_, byte[] genuineMac) = TokenKit.Split(kit.Issue(issued));
        (byte[] wantedPayload, _) = TokenKit.Split(new TokenKit(TokenKit.NewOptions(TokenKit.KeyB)).Issue(wanted));

        Assert.Equal(SupervisionTokenRefusal.BadSignature, kit.Check(TokenKit.Join(wantedPayload, genuineMac), wanted.TargetSwitch).Reason);
    }

    [Fact]
    public void A_token_is_accepted_once_and_refused_as_replayed_after()
    {
        var kit = new TokenKit();
        string destination = kit.Issue();

        Assert.True(kit.Check(destination).IsAccepted);
        Assert.Equal(SupervisionTokenRefusal.Replayed, kit.Check(destination).Reason);
        kit.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(SupervisionTokenRefusal.Replayed, kit.Check(destination).Reason);
    }

    [Fact]
    public void A_token_is_accepted_within_its_lifetime_plus_the_clock_skew_and_expired_from_then_on()
    {
        var kit = new TokenKit();
        string late = kit.Issue();
        string tooLate = kit.Issue();

        kit.Time.Advance(kit.Options.TokenLifetime + kit.Options.ClockSkew - TimeSpan.FromMilliseconds(1));
        Assert.True(kit.Check(late).IsAccepted);

        kit.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(SupervisionTokenRefusal.Expired, kit.Check(tooLate).Reason);
    }

    [Fact]
    public void A_token_expiring_further_ahead_than_any_issuer_may_set_is_refused()
    {
        var kit = new TokenKit();
        var fromTheFuture = new TokenKit(kit.Options);
        fromTheFuture.Time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(SupervisionTokenRefusal.Expired, kit.Check(fromTheFuture.Issue()).Reason);
    }

    [Fact]
    public void A_token_for_another_switch_is_refused_and_not_consumed()
    {
        var kit = new TokenKit();
        string destination = kit.Issue();

        Assert.Equal(SupervisionTokenRefusal.WrongSwitch, kit.Check(destination, "fs-c").Reason);
        Assert.Equal(SupervisionTokenRefusal.WrongSwitch, kit.Check(destination, "FS-B").Reason);
        Assert.True(kit.Check(destination, TokenKit.TargetSwitch).IsAccepted);
    }

    [Fact]
    public void A_token_signed_with_a_previous_key_is_accepted_during_rotation_and_refused_after()
    {
        var before = new TokenKit(TokenKit.NewOptions(TokenKit.KeyA, "k1"));
        string oldToken = before.Issue();
        string anotherOldToken = before.Issue();

        SupervisionTokenOptions rotating = TokenKit.NewOptions(TokenKit.KeyB, "k2");
        rotating.PreviousTokenKeys["k1"] = TokenKit.KeyA;
        var during = new TokenKit(rotating);
        var after = new TokenKit(TokenKit.NewOptions(TokenKit.KeyB, "k2"));

        SupervisionTokenOutcome accepted = during.Check(oldToken);
        Assert.True(accepted.IsAccepted, accepted.ToString());
        Assert.Equal("k1", accepted.Claims.KeyId);
        Assert.Equal("k2", SplitKeyId(during.Issue()));
        Assert.Equal(SupervisionTokenRefusal.UnknownKey, after.Check(anotherOldToken).Reason);
    }

    [Fact]
    public void A_token_with_a_key_id_nobody_configured_is_refused_as_unknown_key()
    {
        var kit = new TokenKit();
        var stranger = new TokenKit(TokenKit.NewOptions(TokenKit.KeyA, "k9"));

        Assert.Equal(SupervisionTokenRefusal.UnknownKey, kit.Check(stranger.Issue()).Reason);
    }

    [Fact]
    public void A_store_that_throws_refuses_the_token_and_the_failure_is_logged()
    {
        var kit = new TokenKit(store: new ThrowingStore());

        Assert.Equal(SupervisionTokenRefusal.StoreUnavailable, kit.Check(kit.Issue()).Reason);
        Assert.Contains(kit.Log.Lines, l => l.Id.Id == 6104 && l.Error is InvalidOperationException);
    }

    [Fact]
    public async Task A_store_that_does_not_answer_refuses_the_token_after_the_store_timeout()
    {
        var hanging = new HangingStore();
        var kit = new TokenKit(store: hanging);
        string destination = kit.Issue();

        Task<SupervisionTokenOutcome> pending = kit.Validator.ValidateAsync(destination, TokenKit.TargetSwitch, TestContext.Current.CancellationToken).AsTask();
        await hanging.Called.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.False(pending.IsCompleted);
        kit.Time.Advance(kit.Options.StoreTimeout);

        SupervisionTokenOutcome outcome = await pending.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(SupervisionTokenRefusal.StoreUnavailable, outcome.Reason);
    }

    [Fact]
    public async Task Cancelling_the_check_cancels_it_instead_of_accepting_or_refusing()
    {
        var kit = new TokenKit(store: new HangingStore());
        using var cancel = new CancellationTokenSource();
        Task<SupervisionTokenOutcome> pending = kit.Validator.ValidateAsync(kit.Issue(), TokenKit.TargetSwitch, cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void No_log_line_carries_a_token_its_signature_or_a_key()
    {
        var kit = new TokenKit();
        var destinations = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            destinations.Add(kit.Issue());
        }

        kit.Check(destinations[0]);
        kit.Check(destinations[0]);
        kit.Check(destinations[1], "fs-c");
        (byte[] payload, byte[] mac) = TokenKit.Split(destinations[2]);
        mac[0] ^= 1;
        kit.Check(TokenKit.Join(payload, mac));

        Assert.NotEmpty(kit.Log.Lines);
        foreach ((_, string message, _) in kit.Log.Lines)
        {
            foreach (string destination in destinations)
            {
                int dot = destination.IndexOf('.', StringComparison.Ordinal);
                Assert.DoesNotContain(destination[(dot + 1)..], message, StringComparison.Ordinal);
                Assert.DoesNotContain(destination[4..dot], message, StringComparison.Ordinal);
            }

            Assert.DoesNotContain(TokenKit.KeyA, message, StringComparison.Ordinal);
        }
    }

    private static string SplitKeyId(string destination)
    {
        byte[] payload = TokenKit.Split(destination).Payload;
        return System.Text.Encoding.ASCII.GetString(payload, 2, payload[1]);
    }

    private sealed class ThrowingStore : ISupervisionTokenStore
    {
        public ValueTask<bool> TryConsumeAsync(string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
            => throw new InvalidOperationException("store down");
    }

    private sealed class HangingStore : ISupervisionTokenStore
    {
        public TaskCompletionSource Called { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<bool> TryConsumeAsync(string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
        {
            Called.TrySetResult();
            return new ValueTask<bool>(new TaskCompletionSource<bool>().Task);
        }
    }
}
