using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Text;

namespace Actkit
{
    /// <summary>Reads libactkit's JSON results with the serializer that
    /// netstandard2.0 and .NET Framework both have (no NuGet dependency).</summary>
    internal static class Json
    {
        internal static T Read<T>(string json)
        {
            using (var ms = new MemoryStream(Encoding.UTF8.GetBytes(json)))
                return (T)Serializer<T>.Instance.ReadObject(ms);
        }

        // Making a serializer reflects over the type: once per type, not per
        // call (DataContractJsonSerializer is safe for concurrent reads).
        private static class Serializer<T>
        {
            internal static readonly DataContractJsonSerializer Instance = new DataContractJsonSerializer(typeof(T));
        }
    }

    /// <summary>Reads a flat JSON object of strings and whole numbers (the
    /// terms): on the hot path of Verify, where DataContractJsonSerializer
    /// would cost more than the signature check (Mono: ~90 us a call).</summary>
    internal static class FlatJson
    {
        internal static Dictionary<string, string> Parse(string s)
        {
            var d = new Dictionary<string, string>();
            int i = Skip(s, 0);
            Expect(s, ref i, '{');
            i = Skip(s, i);
            if (i < s.Length && s[i] == '}') return d;
            while (true)
            {
                i = Skip(s, i);
                string key = String(s, ref i);
                i = Skip(s, i);
                Expect(s, ref i, ':');
                i = Skip(s, i);
                string value;
                if (i < s.Length && s[i] == '"') value = String(s, ref i);
                else
                {
                    int start = i;
                    while (i < s.Length && s[i] >= '0' && s[i] <= '9') i++;
                    if (i == start) throw new FormatException("not a flat JSON object");
                    value = s.Substring(start, i - start);
                }
                d[key] = value;
                i = Skip(s, i);
                if (i < s.Length && s[i] == ',') { i++; continue; }
                Expect(s, ref i, '}');
                return d;
            }
        }

        private static int Skip(string s, int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) i++;
            return i;
        }

        private static void Expect(string s, ref int i, char c)
        {
            if (i >= s.Length || s[i] != c) throw new FormatException("not a flat JSON object");
            i++;
        }

        private static string String(string s, ref int i)
        {
            Expect(s, ref i, '"');
            var b = new System.Text.StringBuilder();
            while (i < s.Length && s[i] != '"')
            {
                char c = s[i++];
                if (c != '\\') { b.Append(c); continue; }
                if (i >= s.Length) break;
                char e = s[i++];
                switch (e)
                {
                    case 'n': b.Append('\n'); break;
                    case 't': b.Append('\t'); break;
                    case 'r': b.Append('\r'); break;
                    case 'b': b.Append('\b'); break;
                    case 'f': b.Append('\f'); break;
                    case 'u':
                        b.Append((char)int.Parse(s.Substring(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default: b.Append(e); break;
                }
            }
            Expect(s, ref i, '"');
            return b.ToString();
        }
    }

    [DataContract]
    internal sealed class TermsJson
    {
        [DataMember(Name = "product")] internal string Product;
        [DataMember(Name = "keyId")] internal string KeyId;
        [DataMember(Name = "algorithm")] internal string Algorithm;
        [DataMember(Name = "serial")] internal ulong Serial;
        [DataMember(Name = "issued")] internal string Issued;
        [DataMember(Name = "expires")] internal string Expires;
        [DataMember(Name = "seats")] internal int Seats;
        [DataMember(Name = "features")] internal ulong Features;
    }
}
