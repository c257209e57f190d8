using System;
using System.Globalization;

namespace Actkit
{
    /// <summary>The verified terms of an activation code.</summary>
    public sealed class Terms
    {
        public string Product { get; private set; }
        /// <summary>The signing key's ID, four hex digits.</summary>
        public string KeyId { get; private set; }
        /// <summary>"ed25519" or "hmac-sha256".</summary>
        public string Algorithm { get; private set; }
        public ulong Serial { get; private set; }
        /// <summary>The issue day (UTC).</summary>
        public DateTime Issued { get; private set; }
        /// <summary>The last valid day (inclusive, UTC), or null: never expires.</summary>
        public DateTime? Expires { get; private set; }
        public int Seats { get; private set; }
        /// <summary>The granted feature bits.</summary>
        public ulong Features { get; private set; }
        /// <summary>The terms as libactkit's JSON object.</summary>
        public string Json { get; private set; }

        public bool Perpetual { get { return Expires == null; } }

        public bool HasFeature(int bit)
        {
            return bit >= 0 && bit <= 63 && (Features & (1UL << bit)) != 0;
        }

        internal static Terms FromJson(string json)
        {
            var d = FlatJson.Parse(json);
            var t = new TermsJson
            {
                Product = d["product"], KeyId = d["keyId"], Algorithm = d["algorithm"],
                Serial = ulong.Parse(d["serial"], CultureInfo.InvariantCulture),
                Issued = d["issued"], Expires = d["expires"],
                Seats = int.Parse(d["seats"], CultureInfo.InvariantCulture),
                Features = ulong.Parse(d["features"], CultureInfo.InvariantCulture),
            };
            return FromRaw(t, json);
        }

        /// <summary>json is the library's text of t, or null to write it here
        /// in the library's field order.</summary>
        internal static Terms FromRaw(TermsJson t, string json)
        {
            if (json == null)
                json = string.Format(CultureInfo.InvariantCulture,
                    "{{\"product\":\"{0}\",\"keyId\":\"{1}\",\"algorithm\":\"{2}\",\"serial\":{3},\"issued\":\"{4}\",\"expires\":\"{5}\",\"seats\":{6},\"features\":{7}}}",
                    t.Product, t.KeyId, t.Algorithm, t.Serial, t.Issued, t.Expires, t.Seats, t.Features);
            return new Terms
            {
                Product = t.Product, KeyId = t.KeyId, Algorithm = t.Algorithm, Serial = t.Serial,
                Issued = Day(t.Issued).Value,
                Expires = Day(t.Expires),
                Seats = t.Seats, Features = t.Features, Json = json,
            };
        }

        private static DateTime? Day(string s)
        {
            if (s == "never") return null;
            return ParseDay(s);
        }

        internal static DateTime ParseDay(string s)
        {
            // YYYY-MM-DD from the library; read by hand, as DateTime.ParseExact
            // costs as much as the rest of a Verify call on Mono.
            if (s.Length != 10 || s[4] != '-' || s[7] != '-') throw new FormatException("not a day: " + s);
            return new DateTime(int.Parse(s.Substring(0, 4), CultureInfo.InvariantCulture),
                int.Parse(s.Substring(5, 2), CultureInfo.InvariantCulture),
                int.Parse(s.Substring(8, 2), CultureInfo.InvariantCulture), 0, 0, 0, DateTimeKind.Utc);
        }

        /// <summary>The day as YYYY-MM-DD, "never" for null.</summary>
        public static string DayText(DateTime? d)
        {
            return d == null ? "never" : d.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }
    }
}
