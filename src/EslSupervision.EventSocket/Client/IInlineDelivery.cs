namespace EslSupervision.EventSocket.Client;

/// <summary>
/// Delivery to the Rx streams on the socket's read thread, as the connection's stall watch sees it
/// (<see cref="EventDispatcher"/> under <see cref="EslOverflowPolicy.Wait"/> with dedicated threads). The read thread
/// calls subscribers itself while they keep up; one delivery that holds it too long ends that for good, and the
/// connection moves its reading to a new thread so replies keep arriving (a subscriber may be waiting for one).
/// </summary>
internal interface IInlineDelivery
{
    /// <summary>
    /// The id of the batch being delivered inline now; 0 when none is; negative once inline delivery has ended. A
    /// batch's id carries the managed id of the thread delivering it in its high 32 bits
    /// (<see cref="DeliveringThread"/>), so a connection's watch only ever acts on its own read thread.
    /// </summary>
    long CurrentInlineDelivery { get; }

    /// <summary>
    /// Ends inline delivery for good if batch <paramref name="delivery"/> is still being delivered. The thread
    /// delivering it finishes the batch and must then stop reading; later batches go through the buffer to a
    /// dispatch thread, which starts delivering only after that batch. False if the batch was done already.
    /// </summary>
    bool TryEndInline(long delivery);

    /// <summary>The managed thread id of the thread delivering batch <paramref name="delivery"/>.</summary>
    static int DeliveringThread(long delivery) => (int)(delivery >>> 32);
}
