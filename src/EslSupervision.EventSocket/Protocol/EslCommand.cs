using System.Text;

namespace EslSupervision.EventSocket.Protocol;

/// <summary>A command ready to write: its bytes, and its name (first word) for errors, logs and metrics.</summary>
internal sealed class EslCommand
{
    private EslCommand(string name, byte[] bytes)
    {
        Name = name;
        Bytes = bytes;
    }

    public string Name { get; }

    public byte[] Bytes { get; }

    /// <summary>Starts a command with its first line. Every part is validated before it is added.</summary>
    public static Builder Create(string verb) => new(verb);

    public override string ToString() => Name;

    /// <summary>Builds the bytes of one command: the line, headers, a blank line, and an optional body.</summary>
    internal sealed class Builder
    {
        private readonly string _name;
        private readonly StringBuilder _text = new(128);
        private string? _body;

        public Builder(string verb)
        {
            _name = CommandText.EnsureToken(verb, nameof(verb));
            _text.Append(verb);
        }

        /// <summary>Appends a single-word argument to the command line.</summary>
        public Builder Token(string value, string paramName)
        {
            _text.Append(' ').Append(CommandText.EnsureToken(value, paramName));
            return this;
        }

        /// <summary>Appends the rest of the command line (may contain spaces).</summary>
        public Builder Rest(string? value, string paramName)
        {
            if (!string.IsNullOrEmpty(value))
            {
                _text.Append(' ').Append(CommandText.EnsureLine(value, paramName));
            }

            return this;
        }

        public Builder Header(string name, string value, string paramName = "headers")
        {
            CommandText.EnsureHeaderName(name, paramName);
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("Content-Length is set by the client from the body.", paramName);
            }

            _text.Append('\n').Append(name).Append(": ").Append(CommandText.EnsureLine(value, paramName, allowEmpty: true));
            return this;
        }

        /// <summary>A length-delimited body: it may contain anything, since its end is given by its byte count.</summary>
        public Builder Body(string body)
        {
            _body = body;
            return this;
        }

        public EslCommand Build()
        {
            if (_body is not null)
            {
                _text.Append("\nContent-Length: ").Append(Encoding.UTF8.GetByteCount(_body));
            }

            _text.Append("\n\n");
            if (_body is not null)
            {
                _text.Append(_body);
            }

            return new EslCommand(_name, Encoding.UTF8.GetBytes(_text.ToString()));
        }
    }
}
