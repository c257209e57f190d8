// Tests of the .NET binding, run by native's Go test with Mono:
//
//   mono tests-dotnet.exe vectors TESTVECTORS_DIR   (codes, delegations, keyring updates)
//   mono tests-dotnet.exe machine-id PRODUCT VERSION
//   mono tests-dotnet.exe client SERVER_URL DEAD_URL KEYRING_FILE LICENCE STATE_DIR
//   mono tests-dotnet.exe bench KEYRING_FILE LICENCE MACHINE_UID CODE N
//
// Each prints what failed and exits 1 on any failure.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.Serialization;
using Actkit;

[DataContract]
class VectorFile
{
    [DataMember(Name = "numberOfTests")] public int NumberOfTests;
    [DataMember(Name = "testGroups")] public List<VectorGroup> TestGroups;
}

[DataContract]
class VectorGroup
{
    [DataMember(Name = "keyring")] public string Keyring;
    [DataMember(Name = "hmacSecrets")] public bool HmacSecrets;
    [DataMember(Name = "tests")] public List<Vector> Tests;
}

[DataContract]
class Vector
{
    [DataMember(Name = "tcId")] public int TcId;
    [DataMember(Name = "code")] public string Code;
    [DataMember(Name = "product")] public string Product;
    [DataMember(Name = "licenceKey")] public string LicenceKey;
    [DataMember(Name = "machineUid")] public string MachineUid;
    [DataMember(Name = "now")] public string Now;
    [DataMember(Name = "result")] public string Result;
    [DataMember(Name = "reason")] public string Reason;
    [DataMember(Name = "suggestion")] public string Suggestion;
    [DataMember(Name = "certificate")] public string Certificate;
    [DataMember(Name = "terms")] public VectorTerms Terms;
}

[DataContract]
class UpdateFile
{
    [DataMember(Name = "numberOfTests")] public int NumberOfTests;
    [DataMember(Name = "testGroups")] public List<UpdateGroup> TestGroups;
}

[DataContract]
class UpdateGroup
{
    [DataMember(Name = "keyring")] public string Keyring;
    [DataMember(Name = "tests")] public List<UpdateVector> Tests;
}

[DataContract]
class UpdateVector
{
    [DataMember(Name = "tcId")] public int TcId;
    [DataMember(Name = "update")] public string Update;
    [DataMember(Name = "now")] public string Now;
    [DataMember(Name = "result")] public string Result;
    [DataMember(Name = "reason")] public string Reason;
    [DataMember(Name = "output")] public UpdateOutput Output;
}

[DataContract]
class UpdateOutput
{
    [DataMember(Name = "product")] public string Product;
    [DataMember(Name = "version")] public uint Version;
    [DataMember(Name = "threshold")] public int Threshold;
    [DataMember(Name = "roots")] public List<string> Roots;
    [DataMember(Name = "keys")] public List<OutputKey> Keys;
    [DataMember(Name = "delegations")] public List<string> Delegations;
    [DataMember(Name = "revoked")] public List<string> Revoked;
}

[DataContract]
class OutputKey
{
    [DataMember(Name = "id")] public string Id;
    [DataMember(Name = "algorithm")] public string Algorithm;
}

[DataContract]
class VectorTerms
{
    [DataMember(Name = "keyId")] public string KeyId;
    [DataMember(Name = "serial")] public ulong Serial;
    [DataMember(Name = "issued")] public string Issued;
    [DataMember(Name = "expires")] public string Expires;
    [DataMember(Name = "seats")] public int Seats;
    [DataMember(Name = "features")] public ulong Features;
}

static class Tests
{
    static int failures;

    static void Fail(string what)
    {
        failures++;
        Console.WriteLine("FAIL " + what);
    }

    static void Expect(bool ok, string what)
    {
        if (!ok) Fail(what);
    }

    static int Vectors(string dir)
    {
        foreach (var name in new[] { "activation_code_ed25519.json", "activation_code_hmac.json", "delegation_verify.json" })
        {
            var s = new System.Runtime.Serialization.Json.DataContractJsonSerializer(typeof(VectorFile));
            VectorFile f;
            using (var fs = File.OpenRead(Path.Combine(dir, name))) f = (VectorFile)s.ReadObject(fs);
            int n = 0, nuls = 0;
            foreach (var g in f.TestGroups)
            {
                using (var kr = Keyring.Parse(g.Keyring, g.HmacSecrets))
                {
                    foreach (var t in g.Tests)
                    {
                        n++;
                        var now = DateTimeOffset.Parse(t.Now, System.Globalization.CultureInfo.InvariantCulture);
                        string id = name + " #" + t.TcId;
                        bool nul = (t.Code + t.LicenceKey + t.MachineUid + t.Product).IndexOf('\0') >= 0;
                        try
                        {
                            Terms got = t.Certificate == null
                                ? kr.Verify(t.Code, t.LicenceKey, t.MachineUid, now, t.Product)
                                : kr.VerifyDelegated(t.Code, t.Certificate, t.LicenceKey, t.MachineUid, now, t.Product);
                            if (t.Result != "valid") { Fail(id + ": accepted, want " + t.Reason); continue; }
                            var w = t.Terms;
                            Expect(got.KeyId == w.KeyId && got.Serial == w.Serial && Terms.DayText(got.Issued) == w.Issued &&
                                Terms.DayText(got.Expires) == w.Expires && got.Seats == w.Seats && got.Features == w.Features &&
                                got.Product == t.Product, id + ": terms " + got.Json);
                        }
                        catch (CodeRefusedException e)
                        {
                            if (t.Result == "valid" || nul) { Fail(id + ": refused " + e.ReasonName + ": " + e.Message); continue; }
                            Expect(e.ReasonName == t.Reason && (int)e.Reason == ReasonNumber(t.Reason), id + ": reason " + e.ReasonName + ", want " + t.Reason);
                            Expect((e.Suggestion ?? "") == (t.Suggestion ?? ""), id + ": suggestion " + e.Suggestion + ", want " + t.Suggestion);
                        }
                        catch (ActkitException e)
                        {
                            // A C string cannot carry a NUL: the binding refuses the
                            // text before the library sees it (docs/native.md).
                            Expect(nul && e.Status == Status.Argument && t.Result == "invalid", id + ": " + e.StatusName + ": " + e.Message);
                            if (nul) nuls++;
                        }
                    }
                }
            }
            Expect(n == f.NumberOfTests && n > 0, name + ": ran " + n + " of " + f.NumberOfTests);
            Console.WriteLine(name + ": " + n + " vectors, " + nuls + " with a NUL refused as an argument error");
        }
        Updates(dir);
        return failures == 0 ? 0 : 1;
    }

    // Updates runs keyring_update.json: Keyring.Update's keyring (by its
    // Info, against the vector's output) or its refusal, and UpdateText.
    static void Updates(string dir)
    {
        var s = new System.Runtime.Serialization.Json.DataContractJsonSerializer(typeof(UpdateFile));
        UpdateFile f;
        using (var fs = File.OpenRead(Path.Combine(dir, "keyring_update.json"))) f = (UpdateFile)s.ReadObject(fs);
        int n = 0;
        foreach (var g in f.TestGroups)
        {
            using (var held = Keyring.Parse(g.Keyring))
            {
                foreach (var t in g.Tests)
                {
                    n++;
                    var now = DateTimeOffset.Parse(t.Now, System.Globalization.CultureInfo.InvariantCulture);
                    string id = "keyring_update.json #" + t.TcId;
                    string text = null;
                    try { text = Keyring.UpdateText(g.Keyring, t.Update, now); }
                    catch (KeyringUpdateRefusedException e)
                    {
                        Expect(t.Result == "invalid" && e.ReasonName == t.Reason, id + ": UpdateText refused " + e.ReasonName + ": " + e.Message);
                    }
                    try
                    {
                        using (var next = held.Update(t.Update, now))
                        {
                            if (t.Result != "valid") { Fail(id + ": accepted, want " + t.Reason); continue; }
                            var info = next.Info;
                            var w = t.Output;
                            var keys = new List<string>();
                            foreach (var k in info.Keys) keys.Add(k.Id + " " + k.Algorithm);
                            var wkeys = new List<string>();
                            foreach (var k in w.Keys) wkeys.Add(k.Id + " " + k.Algorithm);
                            var dels = new List<string>();
                            foreach (var d in info.Delegations) dels.Add(d.KeyId);
                            Expect(info.Product == w.Product && info.Version == w.Version && info.Threshold == w.Threshold &&
                                string.Join(",", info.Roots) == string.Join(",", w.Roots) &&
                                string.Join(",", keys) == string.Join(",", wkeys) &&
                                string.Join(",", dels) == string.Join(",", w.Delegations) &&
                                string.Join(",", info.Revoked) == string.Join(",", w.Revoked) &&
                                (info.Expires == null) == (info.Version == 0), id + ": info " + info.Json);
                            Expect(next.Text == text && text != null, id + ": Update and UpdateText give other texts");
                            // The stored text parses into the same keyring.
                            using (var again = Keyring.Parse(next.Text))
                                Expect(again.Info.Json == info.Json, id + ": the stored text reads back as " + again.Info.Json);
                        }
                    }
                    catch (KeyringUpdateRefusedException e)
                    {
                        if (t.Result == "valid") { Fail(id + ": refused " + e.ReasonName + ": " + e.Message); continue; }
                        Expect(e.ReasonName == t.Reason && (int)e.Reason == ReasonNumber(t.Reason) && e.Status == Status.Refused,
                            id + ": reason " + e.ReasonName + " (" + (int)e.Reason + "), want " + t.Reason);
                    }
                }
            }
        }
        Expect(n == f.NumberOfTests && n > 0, "keyring_update.json: ran " + n + " of " + f.NumberOfTests);
        Console.WriteLine("keyring_update.json: " + n + " updates");
    }

    static int ReasonNumber(string name)
    {
        foreach (RefusalReason r in Enum.GetValues(typeof(RefusalReason)))
        {
            string n = System.Text.RegularExpressions.Regex.Replace(r.ToString(), "([a-z])([A-Z])", "$1-$2").ToLowerInvariant();
            if (n == name) return (int)r;
        }
        return -1;
    }

    static int Client(string url, string deadUrl, string keyringFile, string licence, string stateDir)
    {
        using (var kr = Keyring.Parse(File.ReadAllText(keyringFile)))
        {
            string uid = MachineId.ForProduct(kr.Product, "4.2.17", MachineIdOptions.None, "dotnet-machine");
            DateTimeOffset? validateAfter, offlineUntil;
            using (var c = new ActivationClient(kr, stateDir, url, uid))
            {
                c.MachineName = "dotnet-test";
                c.ProductVersion = "4.2.17";
                var st = c.Status();
                Expect(st.State == "in-grace" && st.Licensed && st.Error == null, "first status: " + st.Json);
                st = c.Activate(licence);
                Expect(st.State == "activated" && st.Error == null && st.Terms != null && st.ActiveCount >= 1, "activate: " + st.Json);
                st = c.Validate();
                Expect(st.State == "activated" && st.Error == null, "validate: " + st.Json);
                Expect(c.RequestCode(licence) == Codes.Request(kr.Product, licence, uid, "4.2.17"), "request code");
                st = c.Deactivate();
                Expect(st.State == "deactivated" && st.DeactivationCode == "" && st.Error == null, "deactivate online: " + st.Json);
                c.LicenceKey = licence;
                st = c.Start();
                Expect(st.State == "deactivated" && st.Error == null, "start after deactivation: " + st.Json);
                st = c.Activate();
                Expect(st.State == "activated" && st.Error == null, "activate with the option: " + st.Json);
                validateAfter = st.ValidateAfter;
                offlineUntil = st.OfflineUntil;
                Expect(validateAfter != null && offlineUntil != null, "schedule: " + st.Json);
            }
            if (validateAfter == null || offlineUntil == null) return 1;
            using (var c = new ActivationClient(kr, stateDir, deadUrl, uid))
            {
                c.SetOption("attempts", "1");
                c.Now = validateAfter.Value.AddMinutes(1);
                var st = c.Start();
                Expect(st.State == "activated-offline" && st.Licensed && st.Error != null && st.Error.Status == Status.Offline,
                    "offline within grace: " + st.Json + " " + st.Error);
                c.Now = offlineUntil.Value.AddMinutes(1);
                st = c.Validate();
                Expect(st.State == "validation-required" && !st.Licensed && st.Error != null && st.Error.Status == Status.Offline,
                    "offline after grace: " + st.Json);
                st = c.Deactivate();
                Expect(st.State == "deactivated" && st.DeactivationCode.Length > 0 && st.Error != null && st.Error.Status == Status.Offline,
                    "deactivate offline: " + st.Json);
            }
        }
        return failures == 0 ? 0 : 1;
    }

    static int Bench(string keyringFile, string licence, string uid, string code, long n)
    {
        using (var kr = Keyring.Parse(File.ReadAllText(keyringFile)))
        {
            kr.Verify(code, licence, uid); // warm up the JIT and the library
            // CPU time of the process, every thread (native/bench.sh).
            var p = Process.GetCurrentProcess();
            TimeSpan start = p.TotalProcessorTime;
            for (long i = 0; i < n; i++) kr.Verify(code, licence, uid);
            p.Refresh();
            Console.WriteLine(((p.TotalProcessorTime - start).TotalMilliseconds * 1e6 / n).ToString("F0"));
        }
        return 0;
    }

    static int Main(string[] a)
    {
        try
        {
            if (a.Length == 2 && a[0] == "vectors") return Vectors(a[1]);
            if (a.Length == 3 && a[0] == "machine-id") { Console.WriteLine(MachineId.ForProduct(a[1], a[2])); return 0; }
            if (a.Length == 6 && a[0] == "client") return Client(a[1], a[2], a[3], a[4], a[5]);
            if (a.Length == 6 && a[0] == "bench") return Bench(a[1], a[2], a[3], a[4], long.Parse(a[5]));
        }
        catch (ActkitException e)
        {
            Console.WriteLine("FAIL " + e.StatusName + ": " + e.Message);
            return 1;
        }
        Console.Error.WriteLine("usage: tests-dotnet.exe vectors|machine-id|client|bench ...");
        return 2;
    }
}
