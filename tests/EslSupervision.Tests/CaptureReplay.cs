using System.Buffers;
using EslSupervision.EventSocket;
using EslSupervision.EventSocket.Protocol;
using EslSupervision.TestSupport;

namespace EslSupervision.Tests;

/// <summary>Cuts a real capture into frames: its events, and its api/response bodies in order.</summary>
internal sealed class CaptureReplay
{
    private CaptureReplay(List<EslEvent> events, List<string> apiResponses, List<object> items)
    {
        Events = events;
        ApiResponses = apiResponses;
        Items = items;
    }

    public IReadOnlyList<EslEvent> Events { get; }

    public IReadOnlyList<string> ApiResponses { get; }

    /// <summary>Events (<see cref="EslEvent"/>) and api replies (<see cref="string"/>) in arrival order.</summary>
    public IReadOnlyList<object> Items { get; }

    public static CaptureReplay Load(string name)
    {
        var buffer = new ReadOnlySequence<byte>(Captures.Server(name));
        var events = new List<EslEvent>();
        var responses = new List<string>();
        var items = new List<object>();
        while (EslFrameReader.TryRead(ref buffer, 16 * 1024 * 1024, out EslFrame? frame))
        {
            switch (frame!.Type)
            {
                case EslContentType.EventPlain:
                    EslEvent e = EslEvent.FromPlain(frame.Body);
                    events.Add(e);
                    items.Add(e);
                    break;
                case EslContentType.ApiResponse:
                    responses.Add(frame.BodyText);
                    items.Add(frame.BodyText);
                    break;
            }
        }

        return new CaptureReplay(events, responses, items);
    }
}
