using EslSupervision.EventSocket;
using EslSupervision.EventSocket.Client;

namespace EslSupervision.Benchmarks;

/// <summary>
/// The fake connection as the library's own connections behave since the inline intake: the controller takes each
/// event synchronously on the pushing thread, which plays the socket's read loop (<see cref="IInlineEventSource"/>).
/// The plain <see cref="SupervisionFakeConnection"/> is the controller's buffered-reader path (before; and still the
/// path with a custom agent-leg rule or registry).
/// </summary>
internal sealed class InlineSupervisionFakeConnection : SupervisionFakeConnection, IInlineEventSource
{
    public IDisposable SubscribeInline(Action<EslEvent> onEvent, bool lend) => SubscribeOnPushingThread(onEvent);
}
