namespace EslSupervision.EventSocket;

/// <summary>The base of every error this library raises.</summary>
public class EslException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause, if any.</param>
    public EslException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>The connection could not be made, was lost, or is not open.</summary>
public class EslConnectionException : EslException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause, if any.</param>
    public EslConnectionException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>The switch refused the credentials (<c>-ERR invalid</c>) or the address (<c>text/rude-rejection</c>).</summary>
public sealed class EslAuthenticationException : EslConnectionException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong; never contains the password.</param>
    public EslAuthenticationException(string message)
        : base(message)
    {
    }
}

/// <summary>The switch answered a command with an error (<c>-ERR ...</c>), or a command could not complete.</summary>
public class EslCommandException : EslException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="command">The command's name (its first word, e.g. <c>sendmsg</c>), without its arguments.</param>
    /// <param name="replyText">The switch's reply text, e.g. <c>-ERR invalid session id [...]</c>.</param>
    /// <param name="message">What went wrong.</param>
    public EslCommandException(string command, string replyText, string message)
        : base(message)
    {
        Command = command;
        ReplyText = replyText;
    }

    /// <summary>The command's name, without its arguments.</summary>
    public string Command { get; }

    /// <summary>The switch's reply text.</summary>
    public string ReplyText { get; }
}

/// <summary>An application sent with <c>sendmsg execute</c> could not complete because its channel hung up first.</summary>
public sealed class EslChannelGoneException : EslCommandException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="uniqueId">The channel's UUID.</param>
    /// <param name="application">The application that did not complete.</param>
    /// <param name="hangupCause">The channel's hang-up cause, if known.</param>
    public EslChannelGoneException(string uniqueId, string application, string? hangupCause)
        : base("sendmsg", hangupCause ?? string.Empty, $"Channel {uniqueId} went away before '{application}' completed (cause {hangupCause ?? "unknown"}).")
    {
        UniqueId = uniqueId;
        Application = application;
        HangupCause = hangupCause;
    }

    /// <summary>The channel's UUID.</summary>
    public string UniqueId { get; }

    /// <summary>The application that did not complete.</summary>
    public string Application { get; }

    /// <summary>The channel's hang-up cause, if known.</summary>
    public string? HangupCause { get; }
}

/// <summary>The switch sent bytes that are not valid Event Socket protocol; the connection is closed.</summary>
public sealed class EslProtocolException : EslException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong with the input.</param>
    public EslProtocolException(string message)
        : base(message)
    {
    }
}

/// <summary>A command got no reply in time. Its place in the reply order is kept, so a late reply cannot be taken for another command's.</summary>
public sealed class EslTimeoutException : EslException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="command">The command's name, without its arguments.</param>
    /// <param name="timeout">How long the client waited.</param>
    public EslTimeoutException(string command, TimeSpan timeout)
        : base($"'{command}' got no reply within {timeout.TotalMilliseconds:0} ms.")
    {
        Command = command;
        Timeout = timeout;
    }

    /// <summary>The command's name, without its arguments.</summary>
    public string Command { get; }

    /// <summary>How long the client waited.</summary>
    public TimeSpan Timeout { get; }
}
