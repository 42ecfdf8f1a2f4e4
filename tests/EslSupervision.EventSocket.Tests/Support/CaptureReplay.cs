using System.Buffers;
using EslSupervision.EventSocket.Protocol;

namespace EslSupervision.EventSocket.Tests.Support;

/// <summary>
/// Plays a real capture's server bytes to a client, paced by the client: each command the client sends is
/// answered with the captured frames up to and including the next reply, exactly as the switch sent them.
/// </summary>
internal sealed class CaptureReplay
{
    private readonly List<(byte[] Raw, EslContentType Type)> _frames = [];
    private int _next;

    public CaptureReplay(byte[] capture)
    {
        var buffer = new ReadOnlySequence<byte>(capture);
        long position = 0;
        while (EslFrameReader.TryRead(ref buffer, int.MaxValue, out EslFrame? frame))
        {
            long end = capture.Length - buffer.Length;
            _frames.Add((capture.AsSpan((int)position, (int)(end - position)).ToArray(), frame!.Type));
            position = end;
        }
    }

    public List<string> CommandsReceived { get; } = [];

    /// <summary>Sends the frames that come before the first reply (e.g. <c>auth/request</c>).</summary>
    public async Task SendGreetingAsync(PeerConnection connection)
    {
        while (_next < _frames.Count && !IsReply(_frames[_next].Type))
        {
            await connection.WriteAsync(_frames[_next++].Raw);
        }
    }

    /// <summary>Reads one command and answers with the captured frames through the next reply.</summary>
    public async Task<string> ServeAsync(PeerConnection connection)
    {
        string command = await connection.ReadCommandAsync();
        CommandsReceived.Add(command);
        while (_next < _frames.Count)
        {
            var (raw, type) = _frames[_next++];
            await connection.WriteAsync(raw);
            if (IsReply(type))
            {
                break;
            }
        }

        return command;
    }

    /// <summary>Sends the frames the switch sent unprompted (events, notices) up to the next reply.</summary>
    public async Task SendUntilNextReplyAsync(PeerConnection connection)
    {
        while (_next < _frames.Count && !IsReply(_frames[_next].Type))
        {
            await connection.WriteAsync(_frames[_next++].Raw);
        }
    }

    /// <summary>Drops captured frames the test does not replay (e.g. a bgapi whose Job-UUID the client chooses).</summary>
    public void Skip(int frames) => _next += frames;

    /// <summary>Sends everything left (trailing events, disconnect notices).</summary>
    public async Task SendRestAsync(PeerConnection connection)
    {
        while (_next < _frames.Count)
        {
            await connection.WriteAsync(_frames[_next++].Raw);
        }
    }

    private static bool IsReply(EslContentType type) => type is EslContentType.CommandReply or EslContentType.ApiResponse;
}
