using System.Buffers.Binary;
using System.IO.Compression;
using Orrery.Contracts.Pca;
using Orrery.Pca.Data;

namespace Orrery.Pca.Tests;

/// <summary>IDX, CSV and raw float32 files: good files load, bad ones are refused with file, offset or line, and the problem.</summary>
public sealed class LoaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("orrery-pca-loader-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxImagesLoadAsRowsOfFlattenedPixels(bool gzip)
    {
        var path = WriteIdx("images.idx", Idx(0x08, [3, 2, 2], [.. Enumerable.Range(0, 12).Select(i => (byte)(i * 10))]), gzip);
        var matrix = IdxFile.Read(path);
        Assert.Equal((3, 4), (matrix.Rows, matrix.Columns));
        Assert.Equal(70f, matrix.Values[7]);
        Assert.Equal(2, IdxFile.Read(path, maxRows: 2).Rows);
    }

    [Fact]
    public void IdxFloatsAreBigEndian()
    {
        var data = new byte[8];
        BinaryPrimitives.WriteSingleBigEndian(data, 1.5f);
        BinaryPrimitives.WriteSingleBigEndian(data.AsSpan(4), -2.25f);
        var matrix = IdxFile.Read(WriteIdx("floats.idx", Idx(0x0D, [2, 1], data)));
        Assert.Equal([1.5f, -2.25f], matrix.Values);
    }

    [Fact]
    public void TruncatedIdxNamesTheFileTheOffsetAndTheSizes()
    {
        var bytes = Idx(0x08, [3, 2, 2], new byte[12]);
        var path = WriteIdx("short.idx", bytes[..^5]);
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("offset 23", error.Message);
        Assert.Contains("3 x 2 x 2", error.Message);
    }

    [Fact]
    public void IdxWithBadMagicOrTypeIsRefusedAtItsOffset()
    {
        var notIdx = WriteIdx("text.idx", "hello world"u8.ToArray());
        Assert.Contains("offset 0", Assert.Throws<DataFormatException>(() => IdxFile.Read(notIdx)).Message);
        var badType = Idx(0x08, [1, 1], [0]);
        badType[2] = 0x0A;
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(WriteIdx("type.idx", badType)));
        Assert.Contains("offset 2", error.Message);
        Assert.Contains("0x0A is not an IDX element type", error.Message);
    }

    [Fact]
    public void DamagedGzipIsRefused()
    {
        var path = WriteIdx("damaged.idx.gz", Idx(0x08, [64, 64], new byte[4096]), gzip: true);
        var bytes = File.ReadAllBytes(path);
        Array.Fill(bytes, (byte)0xFF, 12, bytes.Length - 20);
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void CsvWithHeaderLoadsAndBadFieldsNameTheLine()
    {
        var good = Write("good.csv", "a,b,c\n1,2,3\n\n4.5,-6,7e-1\n");
        var matrix = CsvMatrixFile.Read(good);
        Assert.Equal((2, 3), (matrix.Rows, matrix.Columns));
        Assert.Equal([1f, 2f, 3f, 4.5f, -6f, 0.7f], matrix.Values);

        var badField = Write("bad.csv", "1,2,3\n4,x5,6\n");
        var error = Assert.Throws<DataFormatException>(() => CsvMatrixFile.Read(badField));
        Assert.Contains($"{badField}: line 2, column 2: 'x5' is not a finite number", error.Message);

        var ragged = Write("ragged.csv", "1,2,3\n4,5\n");
        Assert.Contains("line 2: 2 fields; the rows before have 3", Assert.Throws<DataFormatException>(() => CsvMatrixFile.Read(ragged)).Message);

        var nan = Write("nan.csv", "1,2\nNaN,3\n");
        Assert.Contains("line 2, column 1", Assert.Throws<DataFormatException>(() => CsvMatrixFile.Read(nan)).Message);
    }

    [Fact]
    public void RawFloat32RoundTripsAndBadFilesNameTheOffset()
    {
        var path = Path.Combine(_folder, "m.f32");
        RawMatrixFile.Write(path, new PcaMatrix(2, 3, [1, 2, 3, 4, 5, 6]));
        var matrix = RawMatrixFile.Read(path);
        Assert.Equal((2, 3), (matrix.Rows, matrix.Columns));
        Assert.Equal([1f, 2, 3, 4, 5, 6], matrix.Values);

        var bytes = File.ReadAllBytes(path);
        var shortPath = Path.Combine(_folder, "short.f32");
        File.WriteAllBytes(shortPath, bytes[..^4]);
        var error = Assert.Throws<DataFormatException>(() => RawMatrixFile.Read(shortPath));
        Assert.Contains($"{shortPath}: offset 44: the header promises 2 x 3 float32 values, 48 bytes in all; the file has 44", error.Message);

        var nanPath = Path.Combine(_folder, "nan.f32");
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(24 + 4 * 4), float.NaN);
        File.WriteAllBytes(nanPath, bytes);
        Assert.Contains("offset 40: value 4 (row 1, column 1) is NaN", Assert.Throws<DataFormatException>(() => RawMatrixFile.Read(nanPath)).Message);

        var wrongMagic = Path.Combine(_folder, "magic.f32");
        File.WriteAllBytes(wrongMagic, new byte[40]);
        Assert.Contains("offset 0", Assert.Throws<DataFormatException>(() => RawMatrixFile.Read(wrongMagic)).Message);
    }

    [Fact]
    public void FileSourcesAreCentredAndScaled()
    {
        var path = Write("c.csv", "0,10\n2,30\n");
        var source = new PcaSource { Kind = "csv", Path = path, Center = true, Scale = 2 };
        var matrix = PcaData.LoadFile(source);
        Assert.Equal([-0.5f, -5f, 0.5f, 5f], matrix.Values);
    }

    /// <summary>A silo keeps the last file it read; a file rewritten at the same path is read again, never served stale.</summary>
    [Fact]
    public void AFileRewrittenAtTheSamePathIsReadAgain()
    {
        var source = new PcaSource { Kind = "csv", Path = Write("r.csv", "1,2\n3,4\n") };
        Assert.Equal((2, 2), (PcaData.LoadFile(source).Rows, PcaData.LoadFile(source).Columns));
        File.WriteAllText(source.Path, "1,2\n3,4\n5,6\n");
        var again = PcaData.LoadFile(source);
        Assert.Equal((3, 2), (again.Rows, again.Columns));
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], again.Values);
    }

    [Fact]
    public void FashionMnistLoadsFromTheDebianPackage()
    {
        // scripts/test.sh installs dataset-fashion-mnist; without it the loader must say how to get it.
        var source = new PcaSource { Kind = "fashion-mnist", Split = "test", Center = true, Scale = 255 };
        if (!Directory.Exists(PcaData.FashionMnistDirectory))
        {
            var error = Assert.Throws<DataFormatException>(() => PcaData.Validate(source));
            Assert.Fail($"Fashion-MNIST is not installed (run scripts/test.sh, or apt-get install dataset-fashion-mnist); the loader says: {error.Message}");
        }

        var matrix = PcaData.LoadFile(source);
        Assert.Equal((10_000, 784), (matrix.Rows, matrix.Columns));
        var mean = Enumerable.Range(0, 784).Select(c => Enumerable.Range(0, matrix.Rows).Average(r => (double)matrix.Values[r * 784 + c])).Max(Math.Abs);
        Assert.True(mean < 1e-5, $"largest column mean after centring {mean:e2}");
    }

    /// <summary>
    /// 1e39 is a finite double and infinity as a float32: refused naming the file, line and column (it used to pass the
    /// check, done before the conversion, and run on infinities). The same for IDX doubles, and for a value that leaves
    /// float32's range only when scaled.
    /// </summary>
    [Fact]
    public void ValuesBeyondFloat32AreRefusedWhereTheyAre()
    {
        var csv = Write("huge.csv", "1,2,3\n4,5,1e39\n");
        var error = Assert.Throws<DataFormatException>(() => CsvMatrixFile.Read(csv));
        Assert.Contains($"{csv}: line 2, column 3: '1e39' is beyond float32's range", error.Message);

        var doubles = new byte[16];
        BinaryPrimitives.WriteDoubleBigEndian(doubles, 1);
        BinaryPrimitives.WriteDoubleBigEndian(doubles.AsSpan(8), -1e300);
        var idx = WriteIdx("huge.idx", Idx(0x0E, [1, 2], doubles));
        var idxError = Assert.Throws<DataFormatException>(() => IdxFile.Read(idx)).Message;
        Assert.True(idxError.Contains("offset 20: value 1 (row 0, column 1) is -1e+300, beyond float32's range", StringComparison.Ordinal), idxError);

        var scaled = Write("scaled.csv", "1,2\n3,1e30\n");
        var source = new PcaSource { Kind = "csv", Path = scaled, Scale = 1e-12 };
        Assert.Contains($"{scaled}: row 2, column 2: beyond float32's range after dividing by scale", Assert.Throws<DataFormatException>(() => PcaData.LoadFile(source)).Message);
    }

    /// <summary>
    /// The header rule: a first line with no number is a header, one with only numbers is data, and one that mixes
    /// them is refused naming the file and line (it used to be dropped as a "header", losing a row without a word).
    /// </summary>
    [Fact]
    public void FirstCsvLineIsAHeaderOnlyWhenNoFieldIsANumber()
    {
        Assert.Equal(1, CsvMatrixFile.Read(Write("header.csv", "x,y\n1,2\n")).Rows);
        Assert.Equal(2, CsvMatrixFile.Read(Write("numbers.csv", "1,2\n3,4\n")).Rows);
        var mixed = Write("mixed.csv", "1,2o\n3,4\n");
        var error = Assert.Throws<DataFormatException>(() => CsvMatrixFile.Read(mixed));
        Assert.Contains($"{mixed}: line 1: the first line is neither a header (no field a number) nor a row of numbers: column 1 is the number '1', column 2 is '2o'", error.Message);
    }

    [Fact]
    public void MissingFilesAndUnknownKindsAreRefused()
    {
        Assert.Contains("no such file", Assert.Throws<DataFormatException>(() => PcaData.Validate(new PcaSource { Kind = "idx", Path = "/nonexistent.idx" })).Message);
        Assert.Contains("must be generated, idx, csv, raw or fashion-mnist", Assert.Throws<ArgumentException>(() => PcaData.Validate(new PcaSource { Kind = "parquet" })).Message);
    }

    private static byte[] Idx(byte type, int[] sizes, byte[] data)
    {
        var bytes = new byte[4 + 4 * sizes.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)sizes.Length;
        for (var i = 0; i < sizes.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), sizes[i]);
        }

        data.CopyTo(bytes, 4 + 4 * sizes.Length);
        return bytes;
    }

    private string WriteIdx(string name, byte[] bytes, bool gzip = false)
    {
        var path = Path.Combine(_folder, name);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return path;
        }

        using (var stream = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            stream.Write(bytes);
        }

        return path;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }
}
