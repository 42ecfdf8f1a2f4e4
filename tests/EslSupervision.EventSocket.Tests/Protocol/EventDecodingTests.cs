using System.Buffers;
using System.Text;
using EslSupervision.EventSocket.Protocol;
using EslSupervision.EventSocket.Tests.Support;
using EslSupervision.TestSupport;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Protocol;

public class EventDecodingTests
{
    private static List<EslEvent> PlainEvents(string capture)
        => CaptureFrames.ReadAll(Captures.Server(capture))
            .Where(f => f.Type == EslContentType.EventPlain)
            .Select(f => EslEvent.FromPlain(f.Body))
            .ToList();

    [Fact]
    public void A_non_ascii_caller_name_from_the_capture_decodes_to_the_exact_utf8_text()
    {
        EslEvent create = PlainEvents("supervision-client-calls-agent").First(e => e.EventName == "CHANNEL_CREATE");

        Assert.Equal("Zoë Ünal 山田", create["Caller-Caller-ID-Name"]);
    }

    [Fact]
    public void Header_names_are_case_insensitive_and_variables_are_found_without_their_prefix()
    {
        EslEvent park = PlainEvents("supervision-client-calls-agent").First(e => e.EventName == "CHANNEL_PARK");

        Assert.Equal("*901004", park["caller-destination-number"]);
        Assert.Equal(park["Unique-ID"], park.UniqueId);
        Assert.Equal("1010", park.GetVariable("user_name"));
        Assert.Equal("pbx.lab", park.GetVariable("DOMAIN_NAME"));
        Assert.Null(park.GetVariable("no_such_variable"));
        Assert.Equal("sip:mod_sofia@127.0.0.1:5060", park.GetVariable("sofia_profile_url"));
    }

    [Fact]
    public void The_background_job_body_is_cut_by_its_own_content_length()
    {
        EslEvent job = PlainEvents("inbound-commands").Single(e => e.EventName == "BACKGROUND_JOB");

        Assert.Equal("21bcf9ba-56b9-46c8-9ce5-5834a97e4861", job["Job-UUID"]);
        Assert.StartsWith("UP 0 years", job.Body, StringComparison.Ordinal);
        Assert.Equal(374, job.BodyBytes.Length);
        Assert.Equal("374", job["Content-Length"]);
    }

    [Fact]
    public void Every_event_in_every_capture_has_a_name_and_headers_that_decode()
    {
        foreach (string name in Captures.Names)
        {
            foreach (EslEvent e in PlainEvents(name))
            {
                Assert.False(string.IsNullOrEmpty(e.EventName));
                Assert.Equal(e.EventName, e["Event-Name"]);
                Assert.All(e.Headers, h => Assert.DoesNotContain('\n', h.Key));
            }
        }
    }

    [Fact]
    public void Json_events_from_the_capture_are_read_with_their_values_unencoded()
    {
        EslFrame frame = CaptureFrames.ReadAll(Captures.Server("inbound-commands")).First(f => f.Type == EslContentType.EventJson);
        EslEvent e = JsonEventParser.Parse(frame.Body);

        Assert.Equal(EslEventFormat.Json, e.Format);
        Assert.Equal("CHANNEL_HANGUP_COMPLETE", e.EventName);
        Assert.NotNull(e.UniqueId);
        Assert.Equal("NORMAL_CLEARING", e["Hangup-Cause"]);
    }

    [Theory]
    [InlineData("100%41", "100A")]
    [InlineData("50%", "50%")]
    [InlineData("%zz%2", "%zz%2")]
    [InlineData("a+b", "a+b")]
    [InlineData("%2B1%20555", "+1 555")]
    [InlineData("_undef_", "_undef_")]
    [InlineData("%C3%A9", "é")]
    public void Values_decode_leniently_and_never_turn_plus_into_space(string wire, string expected)
    {
        EslEvent e = EslEvent.FromPlain(Encoding.ASCII.GetBytes($"Event-Name: CUSTOM\nX-Value: {wire}\n\n"));

        Assert.Equal(expected, e["X-Value"]);
    }

    [Theory]
    [InlineData("Event-Name: BACKGROUND_JOB\nJob-UUID: 1\nContent-Length: 5\n\nhello", "hello")]
    [InlineData("Event-Name: BACKGROUND_JOB\nContent-Length: 5\nJob-UUID: 1\n\nhello", "hello")]
    [InlineData("Event-Name: BACKGROUND_JOB\ncontent-length: 3\n\nhello", "hel")]
    [InlineData("Event-Name: BACKGROUND_JOB\nContent-Length: 99\n\nshort", "short")]
    [InlineData("Event-Name: CHANNEL_PARK\nUnique-ID: u\n\n", null)]
    public void The_inner_body_is_found_wherever_its_length_header_stands(string wire, string? body)
    {
        EslEvent e = EslEvent.FromPlain(Encoding.UTF8.GetBytes(wire));

        Assert.Equal(body, e.Body);
        Assert.Equal(wire.Split('\n')[0]["Event-Name: ".Length..], e.EventName);
    }

    [Fact]
    public void Array_headers_split_into_items()
    {
        EslEvent e = EslEvent.FromPlain(Encoding.ASCII.GetBytes("Event-Name: CUSTOM\nX-List: ARRAY%3A%3Aone%7C%3Atwo%7C%3Athree\n\n"));

        Assert.Equal(["one", "two", "three"], e.GetArray("X-List"));
    }

    [Fact]
    public void An_event_name_is_read_even_when_it_is_not_the_first_header()
    {
        EslEvent e = EslEvent.FromPlain(Encoding.ASCII.GetBytes("Job-UUID: 1\nEvent-Name: BACKGROUND_JOB\n\n"));

        Assert.Equal("BACKGROUND_JOB", e.EventName);
        Assert.Equal("BACKGROUND_JOB (none)", e.UniqueId is null ? e.EventName + " (none)" : e.ToString());
    }

    [Fact]
    public void To_string_names_the_event_but_never_prints_header_values()
    {
        EslEvent e = EslEvent.Create([new("Event-Name", "CHANNEL_CREATE"), new("Unique-ID", "u-1"), new("Caller-Caller-ID-Number", "5551234")]);

        Assert.DoesNotContain("5551234", e.ToString(), StringComparison.Ordinal);
        Assert.Contains("CHANNEL_CREATE", e.ToString(), StringComparison.Ordinal);
    }
}

public class MalformedFrameTests
{
    private static bool Read(string text, out EslFrame? frame, long max = 1024 * 1024)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        return EslFrameReader.TryRead(ref buffer, max, out frame);
    }

    [Theory]
    [InlineData("Content-Type: api/response\nContent-Length: -5\n\n")]
    [InlineData("Content-Type: api/response\nContent-Length: 12abc\n\n")]
    [InlineData("Content-Type: api/response\nContent-Length: \n\n")]
    [InlineData("Content-Type: api/response\nContent-Length: 99999999999999999999\n\n")]
    [InlineData("Reply-Text: +OK\n\n")]
    [InlineData("this is not esl at all\n\n")]
    [InlineData(": no name\nContent-Type: command/reply\n\n")]
    public void Malformed_envelopes_raise_a_typed_protocol_error(string text)
    {
        Assert.Throws<EslProtocolException>(() => Read(text, out _));
    }

    [Fact]
    public void A_frame_larger_than_the_cap_is_refused_before_its_body_is_buffered()
    {
        var ex = Assert.Throws<EslProtocolException>(() => Read("Content-Type: api/response\nContent-Length: 2048\n\n", out _, max: 1024));
        Assert.Contains("2048", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_block_without_end_is_refused_once_it_passes_the_limit()
    {
        string endless = "Content-Type: text/event-plain\n" + string.Concat(Enumerable.Repeat("X-Pad: aaaaaaaaaaaaaaaaaaaaaaaa\n", 50));
        Assert.False(Read(endless, out _));
        Assert.Throws<EslProtocolException>(() => Read(endless, out _, max: 1024));
    }

    [Fact]
    public void An_incomplete_body_waits_for_more_bytes()
    {
        Assert.False(Read("Content-Type: api/response\nContent-Length: 10\n\n12345", out EslFrame? frame));
        Assert.Null(frame);
    }

    [Fact]
    public void Unknown_content_types_are_framed_not_fatal()
    {
        Assert.True(Read("Content-Type: text/something-new\nContent-Length: 3\n\nabc", out EslFrame? frame));
        Assert.Equal(EslContentType.Unknown, frame!.Type);
    }
}
