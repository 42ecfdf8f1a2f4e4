using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using EslSupervision.Testing.Internal;

namespace EslSupervision.Testing;

/// <content>Fault injection: silence, slow reading, mid-frame disconnect, RST, a clean disconnect.</content>
public sealed partial class FakeConnection
{
    /// <summary>Half-open: stop reading and writing but keep the socket open.</summary>
    public void GoSilent()
    {
        StopReading();
        lock (_sync)
        {
            if (_writeGate.Task.IsCompleted)
            {
                _writeGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Slow reader: stop reading the client's commands (replies stop, TCP buffers fill).</summary>
    public void StopReading()
    {
        lock (_sync)
        {
            if (_readGate.Task.IsCompleted)
            {
                _readGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Undo <see cref="GoSilent"/> / <see cref="StopReading"/>.</summary>
    public void Resume()
    {
        lock (_sync)
        {
            _readGate.TrySetResult();
            _writeGate.TrySetResult();
        }
    }

    /// <summary>Write only the first half of the next frame, then close the socket.</summary>
    public void DisconnectInNextFrame()
    {
        lock (_sync)
        {
            _cutNextFrame = true;
        }
    }

    /// <summary>Abort the connection with a TCP RST (linger 0).</summary>
    public void Abort()
    {
        try
        {
            _client.Client.LingerState = new LingerOption(true, 0);
        }
        catch (ObjectDisposedException)
        {
        }

        Shutdown();
    }

    /// <summary>Send a disconnect notice (as FreeSWITCH does on exit) and close the connection gracefully.</summary>
    public void Disconnect()
    {
        Enqueue(Session is null ? Wire.InboundDisconnect() : Wire.SessionDisconnect(Session.Uuid));
        CloseAfterWrites();
    }
}
