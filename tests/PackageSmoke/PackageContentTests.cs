using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using Xunit;

namespace PackageSmoke;

/// <summary>What every shipped package must contain: README, MIT expression, XML docs, symbols, deterministic build.</summary>
public class PackageContentTests
{
    public static TheoryData<string> Ids() => new(PackageInfo.Ids);

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_nuspec_declares_version_license_readme_and_repository(string id)
    {
        using ZipArchive nupkg = OpenPackage(id, "nupkg");
        XElement metadata = ReadNuspec(nupkg, id);
        XNamespace ns = metadata.Name.Namespace;

        Assert.Equal(id, metadata.Element(ns + "id")?.Value);
        Assert.Equal(PackageInfo.Version, metadata.Element(ns + "version")?.Value);
        XElement? license = metadata.Element(ns + "license");
        Assert.Equal("expression", license?.Attribute("type")?.Value);
        Assert.Equal("MIT", license?.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value));
        XElement? repository = metadata.Element(ns + "repository");
        Assert.Equal("git", repository?.Attribute("type")?.Value);
        Assert.Matches("^[0-9a-f]{40}$", repository?.Attribute("commit")?.Value ?? string.Empty);
    }

    [Fact]
    public void The_domain_package_depends_on_exactly_the_client_package_it_was_built_with()
    {
        using ZipArchive nupkg = OpenPackage("EslSupervision", "nupkg");
        XElement metadata = ReadNuspec(nupkg, "EslSupervision");

        XElement dependency = metadata.Descendants(metadata.Name.Namespace + "dependency")
            .Single(d => d.Attribute("id")?.Value == "EslSupervision.EventSocket");
        Assert.Equal("[" + PackageInfo.Version + "]", dependency.Attribute("version")?.Value);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_package_has_its_own_tags_and_a_png_icon(string id)
    {
        using ZipArchive nupkg = OpenPackage(id, "nupkg");
        XElement metadata = ReadNuspec(nupkg, id);
        XNamespace ns = metadata.Name.Namespace;

        string[] tags = (metadata.Element(ns + "tags")?.Value ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("freeswitch", tags);
        Assert.Contains(id switch { "EslSupervision.EventSocket" => "event-socket", "EslSupervision" => "call-supervision", _ => "testing" }, tags);
        Assert.Equal("icon.png", metadata.Element(ns + "icon")?.Value);
        byte[] icon = ReadBytes(nupkg, "icon.png");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, icon[..4]);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_package_carries_a_real_readme_the_assembly_and_its_xml_docs(string id)
    {
        using ZipArchive nupkg = OpenPackage(id, "nupkg");

        string readme = ReadText(nupkg, "README.md");
        Assert.StartsWith("# " + id + "\n", readme.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("dotnet add package " + id, readme, StringComparison.Ordinal);
        Assert.Contains("```csharp", readme, StringComparison.Ordinal);

        Assert.NotNull(nupkg.GetEntry($"lib/net10.0/{id}.dll"));
        XDocument docs = XDocument.Parse(ReadText(nupkg, $"lib/net10.0/{id}.xml"));
        Assert.Equal(id, docs.Root?.Element("assembly")?.Element("name")?.Value);
        Assert.NotEmpty(docs.Descendants("member"));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_symbol_package_has_the_portable_pdb_of_a_deterministic_ci_build(string id)
    {
        using ZipArchive nupkg = OpenPackage(id, "nupkg");
        using ZipArchive snupkg = OpenPackage(id, "snupkg");

        using var dll = new MemoryStream(ReadBytes(nupkg, $"lib/net10.0/{id}.dll"));
        using var pe = new PEReader(dll);
        var debugEntries = pe.ReadDebugDirectory();
        Assert.Contains(debugEntries, e => e.Type == DebugDirectoryEntryType.Reproducible);
        CodeViewDebugDirectoryData codeView = pe.ReadCodeViewDebugDirectoryData(debugEntries.First(e => e.Type == DebugDirectoryEntryType.CodeView));

        byte[] pdbBytes = ReadBytes(snupkg, $"lib/net10.0/{id}.pdb");
        using MetadataReaderProvider provider = MetadataReaderProvider.FromPortablePdbImage(System.Collections.Immutable.ImmutableArray.Create(pdbBytes));
        MetadataReader pdb = provider.GetMetadataReader();
        Assert.Equal(codeView.Guid, new BlobContentId(pdb.DebugMetadataHeader!.Id).Guid);

        // ContinuousIntegrationBuild maps the build machine's paths to /_/ so the package does not leak them.
        foreach (DocumentHandle handle in pdb.Documents)
        {
            string name = pdb.GetString(pdb.GetDocument(handle).Name);
            Assert.StartsWith("/_/", name, StringComparison.Ordinal);
        }
    }

    private static ZipArchive OpenPackage(string id, string extension)
    {
        string path = Path.Combine(PackageInfo.Source, $"{id}.{PackageInfo.Version}.{extension}");
        Assert.True(File.Exists(path), $"{path} was not packed.");
        return ZipFile.OpenRead(path);
    }

    private static XElement ReadNuspec(ZipArchive nupkg, string id)
    {
        XDocument nuspec = XDocument.Parse(ReadText(nupkg, id + ".nuspec"));
        return nuspec.Root!.Element(nuspec.Root.Name.Namespace + "metadata")!;
    }

    private static string ReadText(ZipArchive archive, string entryName)
    {
        ZipArchiveEntry? entry = archive.GetEntry(entryName);
        Assert.True(entry is not null, $"{entryName} is missing.");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    private static byte[] ReadBytes(ZipArchive archive, string entryName)
    {
        ZipArchiveEntry? entry = archive.GetEntry(entryName);
        Assert.True(entry is not null, $"{entryName} is missing.");
        using Stream stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
