using System.Globalization;
using System.Text;
using System.Text.Json;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Formats;

/// <summary>Reads JSON into <see cref="JsonNode"/>s that carry their line and column; refuses duplicate keys.</summary>
internal static class PositionedJsonReader
{
    public static JsonNode Parse(ReadOnlySpan<byte> utf8, string? fileName)
    {
        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            utf8 = utf8[3..];
        }

        if (utf8.Trim((ReadOnlySpan<byte>)" \t\r\n"u8).IsEmpty)
        {
            throw new MetricGraphFormatException(new SourceLocation(fileName, 1), "the file is empty; expected a JSON object");
        }

        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            reader.Read();
            var root = ReadValue(ref reader, "$", fileName, lineStarts);
            if (reader.Read())
            {
                throw new MetricGraphFormatException(Locate(reader.TokenStartIndex, fileName, lineStarts), "unexpected content after the JSON object");
            }

            return root;
        }
        catch (JsonException e)
        {
            var message = e.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            message = (cut > 0 ? message[..cut] : message).TrimEnd(' ', '.');
            throw new MetricGraphFormatException(new SourceLocation(fileName, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1),
                "invalid JSON: " + message, e);
        }
    }

    private static JsonNode ReadValue(ref Utf8JsonReader reader, string path, string? fileName, List<int> lineStarts)
    {
        var location = Locate(reader.TokenStartIndex, fileName, lineStarts);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var members = new List<(string, SourceLocation, JsonNode)>();
                var keys = new HashSet<string>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var keyLocation = Locate(reader.TokenStartIndex, fileName, lineStarts);
                    var key = reader.GetString()!;
                    var memberPath = path == "$" ? key : path + "." + key;
                    if (!keys.Add(key))
                    {
                        throw new MetricGraphFormatException(keyLocation, $"{memberPath}: the field \"{key}\" appears twice");
                    }

                    reader.Read();
                    members.Add((key, keyLocation, ReadValue(ref reader, memberPath, fileName, lineStarts)));
                }

                return JsonNode.Object(location, path, members);
            case JsonTokenType.StartArray:
                var items = new List<JsonNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, path + "[" + items.Count.ToString(CultureInfo.InvariantCulture) + "]", fileName, lineStarts));
                }

                return JsonNode.Array(location, path, items);
            case JsonTokenType.String:
                return JsonNode.Scalar(JsonNodeKind.String, location, path, reader.GetString()!);
            case JsonTokenType.Number:
                return JsonNode.Scalar(JsonNodeKind.Number, location, path, Encoding.UTF8.GetString(reader.ValueSpan));
            case JsonTokenType.True:
                return JsonNode.Scalar(JsonNodeKind.True, location, path, "true");
            case JsonTokenType.False:
                return JsonNode.Scalar(JsonNodeKind.False, location, path, "false");
            default:
                return JsonNode.Scalar(JsonNodeKind.Null, location, path, "null");
        }
    }

    private static SourceLocation Locate(long offset, string? fileName, List<int> lineStarts)
    {
        var index = lineStarts.BinarySearch((int)offset);
        var line = index >= 0 ? index : ~index - 1;
        return new SourceLocation(fileName, line + 1, (int)offset - lineStarts[line] + 1);
    }
}
