namespace EslSupervision.EventSocket;

/// <summary>The serialization FreeSWITCH uses for events on a connection (<c>event plain|json|xml ...</c>).</summary>
public enum EslEventFormat
{
    /// <summary><c>text/event-plain</c>: url-encoded <c>Name: value</c> lines. The cheapest to parse.</summary>
    Plain,

    /// <summary><c>text/event-json</c>: one flat JSON object of strings.</summary>
    Json,

    /// <summary><c>text/event-xml</c>: an XML document with url-encoded header values.</summary>
    Xml,
}
