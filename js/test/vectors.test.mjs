// Every case of testvectors/*.json through the strict runner, on this
// platform's WebCrypto (test/vector-runner.mjs).
import { parseKeyring, parseKeyringWithHMACSecrets } from "../dist/esm/index.js";
import { runVectorFiles } from "./vector-runner.mjs";

runVectorFiles({ keyrings: { parseKeyring, parseKeyringWithHMACSecrets } });
