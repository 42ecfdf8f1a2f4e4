namespace EslSupervision.EventSocket.Tests; public class Placeholder { [Xunit.Fact] public void Builds() => Xunit.Assert.True(true); }
