// verify-dotnet: checks an activation code with the .NET binding, the
// contract every binding's example follows (docs/native.md):
//
//   mono verify-dotnet.exe KEYRING_FILE PRODUCT LICENCE MACHINE_UID CODE
//
// prints the verified terms as one JSON object on stdout and exits 0;
// prints the reason on stderr and exits 1 for a refused code (or a keyring
// that cannot be read); exits 2 for bad usage.
using System;
using System.IO;
using Actkit;

public static class VerifyExample
{
    public static int Main(string[] args)
    {
        if (args.Length != 5)
        {
            Console.Error.WriteLine("usage: verify-dotnet KEYRING_FILE PRODUCT LICENCE MACHINE_UID CODE");
            return 2;
        }
        string text;
        try
        {
            text = File.ReadAllText(args[0]);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("cannot read the keyring file " + args[0] + ": " + e.Message);
            return 1;
        }
        try
        {
            using (var keyring = Keyring.Parse(text))
            {
                Terms terms = keyring.Verify(args[4], args[2], args[3], null, args[1]);
                Console.Out.WriteLine(terms.Json);
                return 0;
            }
        }
        catch (CodeRefusedException e)
        {
            Console.Error.WriteLine(e.ReasonName + ": " + e.Message);
            // The message of a typo already ends "did you mean CODE?": say it once.
            if (e.Suggestion != null && e.Message.IndexOf(e.Suggestion, StringComparison.Ordinal) < 0)
                Console.Error.WriteLine("did you mean " + e.Suggestion);
            return 1;
        }
        catch (ActkitException e)
        {
            Console.Error.WriteLine(e.StatusName + ": " + e.Message);
            return 1;
        }
    }
}
