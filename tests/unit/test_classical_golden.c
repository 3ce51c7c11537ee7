/* test_classical_golden.c - golden outputs of the classical schemes (logistic,
 * zigzag, latin): the cipher of a given (key, nonce, params, image) must never
 * change (compatibility promise: files encrypted by an older medcrypt decrypt
 * with a newer one), whatever is done to make the schemes faster.
 *
 * Every case calls the scheme's encrypt and decrypt directly through
 * mc_scheme_find(name) with a hand-made mc_scheme_ctx: a fixed 32-byte sub-key,
 * a fixed nonce (hardened) or NULL (paper), and a mc_meta holding the p.*
 * parameters.  Per case two BLAKE2b-256 digests (crypto_generichash, no key) of
 * the pixels as little-endian samples are compared with constants:
 *   enc: encrypt(plain), and
 *   dec: decrypt(plain), i.e. the plain image taken as a cipher,
 * so both directions are pinned independently.  The round trip is checked too.
 * latin's `paper` encrypt randomises the LSB plane (randombytes), so its enc
 * digest is not pinned ("-"); its dec digest is, and since decryption is the
 * inverse of the rounds and the round trip is checked, the rounds are pinned.
 *
 * How the constants were produced: MC_GOLDEN_PRINT=1 ./test_classical_golden
 * prints the table below; it was run on the implementation of commit b11efef
 * (before the zigzag/latin performance work) and pasted here.  Never
 * regenerate it to make a failing test pass: a mismatch means the ciphers
 * changed. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include "core/internal.h"
#include "schemes/classical.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gcase {
    const char *scheme;
    int hardened;
    const char *params; /* "k=v,k=v" ("key-image=@KEY8"/"@KEY16": the caller's key image, mc_opts) */
    uint32_t w, h, d;
    unsigned ch, bits;
    const char *enc, *dec; /* hex digests; enc "-": not pinned */
} gcase;

/* clang-format off */
static const gcase k_cases[] = {
    {"logistic", 0, "", 64, 48, 1, 1, 8,
     "85e9dce73ae2c84a25d955a7b65ac6d3028442ec9c0372de922aa339377cc302",
     "85e9dce73ae2c84a25d955a7b65ac6d3028442ec9c0372de922aa339377cc302"},
    {"logistic", 0, "", 64, 48, 1, 1, 16,
     "2aaf6b42125d3ea1eb1ade30d141180b000bb1f6111125b78a3f8b35a0fb80cc",
     "2aaf6b42125d3ea1eb1ade30d141180b000bb1f6111125b78a3f8b35a0fb80cc"},
    {"logistic", 0, "", 37, 23, 1, 3, 8,
     "ff0b703cc69d422d3e1c5732c2377545cfd4686c2355c0b2457d18f1bbe6c7ed",
     "ff0b703cc69d422d3e1c5732c2377545cfd4686c2355c0b2457d18f1bbe6c7ed"},
    {"logistic", 0, "", 19, 13, 2, 3, 16,
     "a9baefe9cbb03ed84dbcb485f9d38fa738f40d87319043bd304c110279235ae5",
     "a9baefe9cbb03ed84dbcb485f9d38fa738f40d87319043bd304c110279235ae5"},
    {"logistic", 0, "", 23, 19, 3, 1, 8,
     "9d2d08c47573fd9087a16e22d80d026bcc3d8592ca7bc3d8e75ec85fc2835e2d",
     "9d2d08c47573fd9087a16e22d80d026bcc3d8592ca7bc3d8e75ec85fc2835e2d"},
    {"logistic", 0, "", 1, 7, 1, 1, 8,
     "f8504b69f381ed2d222ad5994af2d48a87fb0f80fa57f1291987e6e7d61e498d",
     "f8504b69f381ed2d222ad5994af2d48a87fb0f80fa57f1291987e6e7d61e498d"},
    {"logistic", 0, "", 7, 1, 1, 1, 16,
     "4ac87c5d8ad627e6928c8d8f07e30865e9b5146c8f9a5a4ec2fef02a60e9abaf",
     "4ac87c5d8ad627e6928c8d8f07e30865e9b5146c8f9a5a4ec2fef02a60e9abaf"},
    {"logistic", 0, "", 512, 512, 1, 1, 8,
     "a5e331334a9aa877f9c4a58aa574f0db42efe44f47c5a68ab27f9486db7ec366",
     "a5e331334a9aa877f9c4a58aa574f0db42efe44f47c5a68ab27f9486db7ec366"},
    {"logistic", 1, "", 64, 48, 1, 1, 8,
     "7d0d0214a77abd79e3a74431b2db5a957cb29d08617e4bb7a4738ead62310e7d",
     "7d0d0214a77abd79e3a74431b2db5a957cb29d08617e4bb7a4738ead62310e7d"},
    {"logistic", 1, "", 64, 48, 1, 1, 16,
     "d154e138522002e72f730db577eb1cd0ce7cf757fa5529d647f9df6089acb4db",
     "d154e138522002e72f730db577eb1cd0ce7cf757fa5529d647f9df6089acb4db"},
    {"logistic", 1, "", 37, 23, 1, 3, 8,
     "f2f99ced45e559903f94dc7ce118450c7c31919c1824af0a49efbea39da9cfb7",
     "f2f99ced45e559903f94dc7ce118450c7c31919c1824af0a49efbea39da9cfb7"},
    {"logistic", 1, "", 19, 13, 2, 3, 16,
     "a5d125c8188cbbb1b92a7b8c76571a2eb31ce97d2758585e62f99d518717a3a8",
     "a5d125c8188cbbb1b92a7b8c76571a2eb31ce97d2758585e62f99d518717a3a8"},
    {"logistic", 1, "", 23, 19, 3, 1, 8,
     "8426fa6900aa5cbd48cecc62dc5bf3fc1cd7616048287de6a20c03622bd2edcf",
     "8426fa6900aa5cbd48cecc62dc5bf3fc1cd7616048287de6a20c03622bd2edcf"},
    {"logistic", 1, "", 1, 7, 1, 1, 8,
     "9c985b2fa18c64e3a7536e1f56bbda82b85c1f76985626b18962e0bd6864c4b9",
     "9c985b2fa18c64e3a7536e1f56bbda82b85c1f76985626b18962e0bd6864c4b9"},
    {"logistic", 1, "", 7, 1, 1, 1, 16,
     "5495e13e767e3d71c67a6d00a46357b909018b4122542752bc86a65549ed61b1",
     "5495e13e767e3d71c67a6d00a46357b909018b4122542752bc86a65549ed61b1"},
    {"logistic", 1, "", 512, 512, 1, 1, 8,
     "05d971d4bbdec3f2bf6a968b796c6a595e236406956b18f44f210ada865c013d",
     "05d971d4bbdec3f2bf6a968b796c6a595e236406956b18f44f210ada865c013d"},
    {"zigzag", 0, "pattern=v", 64, 48, 1, 1, 8,
     "4249d421ce321442f41361488b11d976fbe610f65a07c0f152fd5577ebd2aaed",
     "fa73e80744707ee62c0ae78aa262fc284f0147c6f54ac2776cde578d7f2d538a"},
    {"zigzag", 0, "pattern=v", 64, 48, 1, 1, 16,
     "a376555708f4d58fd8d80462f59b163a2469a3e0e6e873a75552b5cb4d09da59",
     "542d043ee49a0f2449673ec5e6ad27d6d75b6468f8244958801ed4cafe19446b"},
    {"zigzag", 0, "pattern=v", 37, 23, 1, 3, 8,
     "6b91028ba661da3014e8a6b9b944c619bd7a217ce8410d712c5fb9e0bdc93d3f",
     "746501cda13f37b1e8d6348a8c949686b16243dae094c598e0bdf62aca779d96"},
    {"zigzag", 0, "pattern=v", 19, 13, 2, 3, 16,
     "3dfe79226e9d0cde2bdecf546694c0d6542202a648e5f1c67466e09becabe244",
     "91854b2af641b65e1fcc2cbd3d01290cb9bbbbb705633aa1fcf87e837f4b0d70"},
    {"zigzag", 0, "pattern=v", 23, 19, 3, 1, 8,
     "6f7fa839332f72ae0929adbf51d6578e656740ee8727a37feb248c492d3bea5c",
     "d02841a911e18939e3b3e101366381653b3ff05b96c6fc4ee0c0c2868fa3e6be"},
    {"zigzag", 0, "pattern=v", 1, 7, 1, 1, 8,
     "3eb2bd600787bc46eb8e4f45455d5fad1ce4e8dab3f7c655975d78a6a4f6d7a7",
     "3eb2bd600787bc46eb8e4f45455d5fad1ce4e8dab3f7c655975d78a6a4f6d7a7"},
    {"zigzag", 0, "pattern=v", 7, 1, 1, 1, 16,
     "74de6308ab5b933004b7b5bc6bf7f23fd78e13fe1a85144499b576ad0a36c75b",
     "74de6308ab5b933004b7b5bc6bf7f23fd78e13fe1a85144499b576ad0a36c75b"},
    {"zigzag", 0, "pattern=v", 300, 200, 1, 1, 8,
     "0b1ce6ab9d1dd4cbba227439e1e6bd9269e26a0808f1bb9faa065239629649d8",
     "f7c517728c336760071f14f6887ede6f18a0d0ca6d830023a5aca9d01c4091b3"},
    {"zigzag", 0, "pattern=v", 256, 300, 1, 1, 16,
     "1505946748f36c415322e738c20f419554bf5e78a431677eb941919211cc5b41",
     "061d2dd8e7572a7b5c626cbf56b369239c4944d25b41118090b55a962c8cccda"},
    {"zigzag", 0, "pattern=v", 129, 67, 1, 3, 8,
     "851b96ebf43ae360ce4b362b7663510fbc14a8478532ea52433b44c35f00efe5",
     "7b44904c650ff5833706898525d3ebb2d9317b07d1a70897fb1f36da7c0f45b4"},
    {"zigzag", 0, "pattern=v,key-image=@KEY8", 29, 17, 2, 3, 8,
     "9a87199ef59362120ca6ccac61837dafa28ec05c4a76630fa7c230c8a01e18db",
     "71078102c34fcbc49411cd097f4be8368dc88b078060b4f33b359c73893d4c28"},
    {"zigzag", 0, "pattern=v,key-image=@KEY16", 29, 17, 1, 1, 16,
     "d9926101a8a52ba677a14f54d8eb75e0cd35a123887db758f5f1b7d80f9edfeb",
     "990e0d458c3afb55c4c41ac0dd6c02ffd108d6b42d073036eed183f48acc5d8c"},
    {"zigzag", 0, "pattern=h", 64, 48, 1, 1, 8,
     "4bd2c9604f1ce043d6c70c17679e8646abd4e3653ccaa57ce0a47a61305dee90",
     "9edf3c7b48e7742a033381ae029a90906c52d0d186e752f93c9e826292801cc3"},
    {"zigzag", 0, "pattern=h", 64, 48, 1, 1, 16,
     "fc0451505b154dfd662ae2224c209f1e41898b4dda61e050394ab032b2d6557f",
     "85cd390aa4ca143456666d3704ac8507268f11ffef77450c332e0eb3105fe006"},
    {"zigzag", 0, "pattern=h", 37, 23, 1, 3, 8,
     "aab1791f9580ea61df9eff9ca01338b1700958077587fd1944991671619e2c9e",
     "0876c65141d0a954f39b67ea684180fbbe80f565e8202ee858bf3cc272bb3ebf"},
    {"zigzag", 0, "pattern=h", 19, 13, 2, 3, 16,
     "17901befff318b6c5f0e2d06b5cca1a74e5cb7b31cc1eee5c132224362fd949d",
     "3062689950128c25a328e91b5947e666a5bfd236e7a8ac66bcbac1894be10747"},
    {"zigzag", 0, "pattern=h", 23, 19, 3, 1, 8,
     "30a7897e6905fc06d749bc9391cc77e11bd4d8a03d9de21520a160be998eac1f",
     "a42af869cc6a7991ca0cba27b61fd0d94e5f30c9fceee6835829018495075520"},
    {"zigzag", 0, "pattern=h", 1, 7, 1, 1, 8,
     "3eb2bd600787bc46eb8e4f45455d5fad1ce4e8dab3f7c655975d78a6a4f6d7a7",
     "3eb2bd600787bc46eb8e4f45455d5fad1ce4e8dab3f7c655975d78a6a4f6d7a7"},
    {"zigzag", 0, "pattern=h", 7, 1, 1, 1, 16,
     "74de6308ab5b933004b7b5bc6bf7f23fd78e13fe1a85144499b576ad0a36c75b",
     "74de6308ab5b933004b7b5bc6bf7f23fd78e13fe1a85144499b576ad0a36c75b"},
    {"zigzag", 0, "pattern=h", 300, 200, 1, 1, 8,
     "9ed45ff2537777cafa0e27c3ecacc1cef00b0617513a106bf47c99d92a2880f4",
     "b7f7e4752dd80fc58633b8c240b171fa1a3405d71dd053223ef1d39170355a5b"},
    {"zigzag", 0, "pattern=h", 256, 300, 1, 1, 16,
     "652b02a6090478e736e7f1a8d4eb9f697d58ce454f93b10f3e9f2a0cab81828c",
     "6ac23dd8032d7524b826d0aeb9613ca29d2bf68e89fb41ed7f5d9570edbf9083"},
    {"zigzag", 0, "pattern=h", 129, 67, 1, 3, 8,
     "238f11a7f7cc0614e88e27ce3adee032fb4d05e194079b0d2a489a9001c5d59d",
     "89239c38ab7b0d43af8f5a49b15837bcc59785497553cb098da64ae2a7689a92"},
    {"zigzag", 0, "pattern=h,key-image=@KEY8", 29, 17, 2, 3, 8,
     "88026e2747f4c151184035bd2108e311075b2d8079ca77183f1571605586c3a7",
     "d3e6b9ef5e9fe107eb9b34ffb93c4a3a015bf47752c07954dd92e512cd57b335"},
    {"zigzag", 0, "pattern=h,key-image=@KEY16", 29, 17, 1, 1, 16,
     "e23ce92fc15b477fc30688c42e20035eb011cb1a5ce0b55391ff745b9e1114d4",
     "05f400c97a290d8cde022b9aa2e1ce978af727ae96f67eb791504f0f5a9fc134"},
    {"zigzag", 0, "pattern=d", 64, 48, 1, 1, 8,
     "54b6e0b8d166ea21fa987c5fe9a370f2a6a45ba2fb7712d7db9eb89c667cb816",
     "5d3931c6ef15fa28fb7292f192d1ef50cb2066c07af7006bf67b769195cd6fea"},
    {"zigzag", 0, "pattern=d", 64, 48, 1, 1, 16,
     "e84095d680f91e596a09d8dce464b671c1507708e50dba8783b4f4ab45dba4dc",
     "729a742c56754522b08cbd902edd99c94dbff046d778eae6e4f359128d41f98d"},
    {"zigzag", 0, "pattern=d", 37, 23, 1, 3, 8,
     "cd4fca978429ab19b9c6cc270e8b8bc51fd642f08f0849824d5c367065580790",
     "b1f2b68a52edb234d1c4d183976d9758286928d317b3de7c2f32e8d2ea751664"},
    {"zigzag", 0, "pattern=d", 19, 13, 2, 3, 16,
     "6126beb6e0ed404991829aa8de26c5a825ffd80faac77078ff37dcae9bc05704",
     "b0f334f32cdd9a42666ce2b8c244914b96c9629e92ecaae40fae1e6860096f37"},
    {"zigzag", 0, "pattern=d", 23, 19, 3, 1, 8,
     "a220465b07b5d28c93d81b32e68779fe604cd403b8e1364204c664861aca5a54",
     "8c190ee05650f91762d1510827d84daa66f21dce960ebf53455af69e899e92de"},
    {"zigzag", 0, "pattern=d", 1, 7, 1, 1, 8,
     "3eb2bd600787bc46eb8e4f45455d5fad1ce4e8dab3f7c655975d78a6a4f6d7a7",
     "3eb2bd600787bc46eb8e4f45455d5fad1ce4e8dab3f7c655975d78a6a4f6d7a7"},
    {"zigzag", 0, "pattern=d", 7, 1, 1, 1, 16,
     "74de6308ab5b933004b7b5bc6bf7f23fd78e13fe1a85144499b576ad0a36c75b",
     "74de6308ab5b933004b7b5bc6bf7f23fd78e13fe1a85144499b576ad0a36c75b"},
    {"zigzag", 0, "pattern=d", 300, 200, 1, 1, 8,
     "14abcc9d22881c40b0e9bb6e451a1e6363af58a1a3e3fcc37a73110f2f95bef5",
     "8ef78617873d7d59e7089f7af11aa02488ba2057135f263c33ac4fd389053e7f"},
    {"zigzag", 0, "pattern=d", 256, 300, 1, 1, 16,
     "450d72ef4492c6eb4d71e95b706d71ebd02d199eff05e71c31e2356730ee887f",
     "80b44b629c0d7644b3f86f636d62120587fbba6f9a2ddc8a4af702c197f62bd4"},
    {"zigzag", 0, "pattern=d", 129, 67, 1, 3, 8,
     "bf530aeed16fcdfd93f45f9a1a1ee467399f15652e6617897b669572e68c13c4",
     "177552362595a98038ac2e2fae583426fc7774474735c51a1beb6f4083866c88"},
    {"zigzag", 0, "pattern=d,key-image=@KEY8", 29, 17, 2, 3, 8,
     "cb50457f2968446459e1813c8508770f156fd15e6527c51934a935fe2e810573",
     "50bd5a9efbf8b39451db94f71afc56130e43f1d73805e5429a69a17aec9c0edd"},
    {"zigzag", 0, "pattern=d,key-image=@KEY16", 29, 17, 1, 1, 16,
     "d6340d91bdea93334e7ce418b91cce001d1e3636b0f84702dbafbc3b0a0a5a0f",
     "a9092dece21bde3e435eb975998b656b0335a4ca48823e6ded24ecdd72035fa5"},
    {"zigzag", 0, "pattern=d", 512, 512, 1, 1, 8,
     "ecee7b0c0bb763e6d4cb4eb5f9187f39b4df1dc6c287faf28c3d68d11a1f450b",
     "2613a3320aba334380eced201dbad803335a0006c2fc129f73105d1eca4dd766"},
    {"zigzag", 0, "pattern=d", 512, 512, 1, 1, 16,
     "d700048cd1ac6968040837c54249d996a1805f24618a3d0dc44691e992a2bec6",
     "f18c74e7a677dee3d6be7cd476ea0271d739d0e3dae23acd4fdab0b4de8a9395"},
    {"zigzag", 1, "pattern=v", 64, 48, 1, 1, 8,
     "38a9e22d01f8cfda83389aabc3f86aaaece921c58f126dddd744934313cb63c2",
     "00da4079c07afd37225b574f97d10b5d0c9a6dea36a9214712d80fdf713a8cd0"},
    {"zigzag", 1, "pattern=v", 64, 48, 1, 1, 16,
     "efcec0ab93855a42c0e3377f94a02027e1b023ef6e27b87d95f160f97883233b",
     "e3d089b20e845b4e3452e8095607087c6d20765f89f7ff0d606d74a979e58108"},
    {"zigzag", 1, "pattern=v", 37, 23, 1, 3, 8,
     "94ae2fdb1e8db3fda9f2546dd652224bd4ca73e703ec39438c278d1bf0ab25e3",
     "0dfdc7d03e3682b731ab71c931c202e678bacf454338888486b186f6f22909e4"},
    {"zigzag", 1, "pattern=v", 19, 13, 2, 3, 16,
     "1f101f6ab8967bf8e2fa668ee88be7dfae461c1d8302032de5d52fa8c96d9243",
     "dfec841699ee0760a93ab304ae11409c005028be1833a98fbe6c7716b09a43d1"},
    {"zigzag", 1, "pattern=v", 23, 19, 3, 1, 8,
     "cdb9c8274c0db5fe7c175e516e49a6cc5ea70bd0adde874e0065a2778e0f67c2",
     "c8fc366b36ce8d12423eeca5d729af504dc65c8c3a27fa8cab57b3f809476769"},
    {"zigzag", 1, "pattern=v", 1, 7, 1, 1, 8,
     "2aa1a8026e5ad4eb535ef8ff7417b00392778f43c47111efc2b4ba7cc90f8b95",
     "2aa1a8026e5ad4eb535ef8ff7417b00392778f43c47111efc2b4ba7cc90f8b95"},
    {"zigzag", 1, "pattern=v", 7, 1, 1, 1, 16,
     "cd1a6a082883e3e3150f2c3024551326497b144fea275befe5fce12a7d82b89b",
     "cd1a6a082883e3e3150f2c3024551326497b144fea275befe5fce12a7d82b89b"},
    {"zigzag", 1, "pattern=v", 300, 200, 1, 1, 8,
     "122ecc206d6b4319fd83b960bc26a49650be234f974abd07389722c43de15836",
     "7a9e28ec76a6b4c1a3b21567153cabb66b59fab5b58de92f9481447c72b934a5"},
    {"zigzag", 1, "pattern=v", 256, 300, 1, 1, 16,
     "de5d49f21d18aa5083e649adb3c3f5c193bb7a9aba9c0f0385fea79f2872fee9",
     "eca501be4918e1ffdee2d0b4c671db9b10da001c9ae9e95627d06304a796ddb6"},
    {"zigzag", 1, "pattern=v", 129, 67, 1, 3, 8,
     "a3ba2923cfbcff8863381227143e54f765af1520f354c24327d359bc86bde508",
     "4b70aa3a4bf25c6ba57ef2c99388b783da2a4727047575eea06bb5941385e912"},
    {"zigzag", 1, "pattern=v,key-image=@KEY8", 29, 17, 2, 3, 8,
     "313824e9684332cfa6cfca618987f04166dd3dff99d9b35828254ad9c78f8a11",
     "f4684daa4afa1093bbd3d77b6bf39e5fa0a33e183ac6576cb4a7c5217ddea2e6"},
    {"zigzag", 1, "pattern=v,key-image=@KEY16", 29, 17, 1, 1, 16,
     "596221813d563b04869b1fe65c1ce6efeec833dcc287c98788f77b8570d77989",
     "5183f50b327b3ba528aaf9df22a17ba813bbb7569f5ae035df032ac1bda69e1c"},
    {"zigzag", 1, "pattern=h", 64, 48, 1, 1, 8,
     "ec5f2bc0aa5aa603b656b3085963bfec158d3970c927e91823f3e1518c88217e",
     "bd2b3df6612c0e0716ce6536f6ddd5af088c4fec0a767091e3626a9dddb62e38"},
    {"zigzag", 1, "pattern=h", 64, 48, 1, 1, 16,
     "862c3e130dbf82f1d950d329d923f4d15a112b29dc31768fefe067a9dac920ec",
     "07fed7f7c73fbb2640dd15e901a442c96f6912f6b6248b42e35a7425addec9e8"},
    {"zigzag", 1, "pattern=h", 37, 23, 1, 3, 8,
     "c60648db8f556607fc58235e4050a73f8dfc9a3fe8aee4902b5b3b22bc8e72aa",
     "57e826611746d9742a25ac0c263feee2adbf64824b7052a58614eb457dc3dcf8"},
    {"zigzag", 1, "pattern=h", 19, 13, 2, 3, 16,
     "ec7fcd8c261559ddb4009c176be532af9b975f3212d73b4eaa8f19d9c9daf070",
     "b3f2cef28d9ef5a1f089872c8cb1199d493d38531f2b24e35e97912dca12ee16"},
    {"zigzag", 1, "pattern=h", 23, 19, 3, 1, 8,
     "739b76b7872c37c64e3edae6a75e7e1ee645a53dcf5d6ca78b68460994bb9587",
     "4a586da152d037a9a92dea7e3cadbc6241551c6ccbddc3612e5c535908b67928"},
    {"zigzag", 1, "pattern=h", 1, 7, 1, 1, 8,
     "2aa1a8026e5ad4eb535ef8ff7417b00392778f43c47111efc2b4ba7cc90f8b95",
     "2aa1a8026e5ad4eb535ef8ff7417b00392778f43c47111efc2b4ba7cc90f8b95"},
    {"zigzag", 1, "pattern=h", 7, 1, 1, 1, 16,
     "cd1a6a082883e3e3150f2c3024551326497b144fea275befe5fce12a7d82b89b",
     "cd1a6a082883e3e3150f2c3024551326497b144fea275befe5fce12a7d82b89b"},
    {"zigzag", 1, "pattern=h", 300, 200, 1, 1, 8,
     "7745b7af24daa2cd8e39711b464e8b67df47f3c5a61c506ce45cf7df89b55f7c",
     "d8246524ed1a83ea229950a93a87838f8713e0dd018a49031bde411a1b5a6de1"},
    {"zigzag", 1, "pattern=h", 256, 300, 1, 1, 16,
     "4f40e12f3a069ca96ca7b79e355508aae99f3f8c21e4562201799f17f70f2c8c",
     "e0aad93928d2656508088bc1e5ea91800923fcf958936741844af69d2868cb7b"},
    {"zigzag", 1, "pattern=h", 129, 67, 1, 3, 8,
     "73eb4a820f77e59db99b094026035b4a9e2011232c6f2f9e3cc698ef618affa4",
     "9bdcd8a640d5239c14173d343bce9a0997b022c78b4cce921f017493b790d0e3"},
    {"zigzag", 1, "pattern=h,key-image=@KEY8", 29, 17, 2, 3, 8,
     "4038d9b4bb19e001c087e2d9c01e32a7785f78529e21220e48aa4a159a6adbb2",
     "1a4803575619e9e9effb06e8fa3ccbd166c782d2b1f98a57f3c1db8c1e55766d"},
    {"zigzag", 1, "pattern=h,key-image=@KEY16", 29, 17, 1, 1, 16,
     "a734dc4966439b7d915aea2541da6f85e0ebbdfd510c6ae7d6aaf21c6fc25e3e",
     "37e46ad3fe5ae06392cab300e9c8c8d405327788fa3a8f2e3018e6939f2656b5"},
    {"zigzag", 1, "pattern=d", 64, 48, 1, 1, 8,
     "7e5d28383b5162aa4c071b4abb8a397565c2bb5ace9a69209436e1fd37b618e0",
     "938b0d9215ff691e44134c571002b135afb8cea830b69b309fb7b8178a3fd6ae"},
    {"zigzag", 1, "pattern=d", 64, 48, 1, 1, 16,
     "32eb77f62d047fadbde3325e1e085f80dd63024ef4b20bb8a6939f3ca69d9623",
     "99ebe849873b389dff24c2501f26a0516e6dc702e7bdb7901492a90ffb4d0575"},
    {"zigzag", 1, "pattern=d", 37, 23, 1, 3, 8,
     "3788731986f773a0b969b84c21005756e50364fafdb1081209c2ebb1ee12360f",
     "2c28b4b1bc7fc710fa546c833a8e30b2f762025bc4c91766f75a197cb1d42831"},
    {"zigzag", 1, "pattern=d", 19, 13, 2, 3, 16,
     "8eb9e150f130db6f9790cc36d7d614cea69ea59ce0c560e6b3f283f50d095105",
     "b8f357ffa150d649d4348b0d13c968f9a2d5f39ccf7b0780b5bdab6e58b21778"},
    {"zigzag", 1, "pattern=d", 23, 19, 3, 1, 8,
     "681e5c080103b64befaae69a69b235245037daf3a3a2c8d0c41ef9be5b71c391",
     "c2825518539dc44f235b54d41234d8101127822584fb2d0149aa5a618be8d8dd"},
    {"zigzag", 1, "pattern=d", 1, 7, 1, 1, 8,
     "2aa1a8026e5ad4eb535ef8ff7417b00392778f43c47111efc2b4ba7cc90f8b95",
     "2aa1a8026e5ad4eb535ef8ff7417b00392778f43c47111efc2b4ba7cc90f8b95"},
    {"zigzag", 1, "pattern=d", 7, 1, 1, 1, 16,
     "cd1a6a082883e3e3150f2c3024551326497b144fea275befe5fce12a7d82b89b",
     "cd1a6a082883e3e3150f2c3024551326497b144fea275befe5fce12a7d82b89b"},
    {"zigzag", 1, "pattern=d", 300, 200, 1, 1, 8,
     "90b8084a24df282618f119c43ede5466a817487afada8f68ff7560313d8d9bea",
     "5ef8805df66b29ff89d2e66a8073024ef93d9f3acc2c527454d2de14adf66441"},
    {"zigzag", 1, "pattern=d", 256, 300, 1, 1, 16,
     "7b3b3062fda508ce8ace7ece05e26b107e63fe23044ad790a52352056d0e80f6",
     "5a5f9021c44c576e9b61401a78808d08c876c3c21b2cec6532af2088fedb6a27"},
    {"zigzag", 1, "pattern=d", 129, 67, 1, 3, 8,
     "1038aef5c2f71e0042fe8d99aaaafd6341d8550d9a156409a48219dd984c5968",
     "ff0e8a789e4fb09b67a217a0715b3958ecc56449f8e99d0c0a4a0d2b04145162"},
    {"zigzag", 1, "pattern=d,key-image=@KEY8", 29, 17, 2, 3, 8,
     "ee8732a8b24825154696aed480866b7f981aab00d20b123472440808459f5058",
     "4394534cd8ffeaeef193e9bca83b3b55cc03e4849fd99df35b40d65ba9e8dd93"},
    {"zigzag", 1, "pattern=d,key-image=@KEY16", 29, 17, 1, 1, 16,
     "f0f4da9f8ba1ede9443f5775df983a26848294f0c5eceb992bc3f51f8566560a",
     "baec567092f3a872a71ed853d732e3ec08419359afc8136c25ac41892cf08348"},
    {"zigzag", 1, "pattern=d", 512, 512, 1, 1, 8,
     "319d56e87e555566365e5794ca0a6292a5d74935041b83bb855cb71f6374a2f2",
     "90611d44b63eae528e3cf3352cd7f124c1dca66ef8be5ce5aa285c2b549c8659"},
    {"zigzag", 1, "pattern=d", 512, 512, 1, 1, 16,
     "cf965f0b113a135e792871a1711153e1d11dd55a1a7236acc44f0c65cb3c547e",
     "68cd3b42d2338d332ee14623d44482780961b632b3cc8f82fa061d88002dfe14"},
    {"latin", 0, "rounds=1", 64, 48, 1, 1, 8,
     "-",
     "e8bef44034df586c887df25e8cacc6272ef1a13d1f4ca47a440c071d549c4bc7"},
    {"latin", 0, "rounds=1", 64, 64, 1, 1, 16,
     "-",
     "b511387973a34e855bc6bf74ad5515e90e21bf663362ce009a3781f3efdca8b6"},
    {"latin", 0, "rounds=1", 37, 23, 1, 3, 8,
     "-",
     "bbe253b40d0439b56dcb9bfbe5efe9b51ed5bd1a57fbdba21997ecc0282bf4e4"},
    {"latin", 0, "rounds=1", 19, 13, 2, 3, 16,
     "-",
     "75fed31a3fbc490e0cad4faaeca25d0314ad6efdc05601c64cbcb90ad3bd35f7"},
    {"latin", 0, "rounds=1", 20, 16, 3, 1, 8,
     "-",
     "7716d3f843593e3cbc0dc6030cac635e1063a173f409e351ae947df4feef8b86"},
    {"latin", 0, "rounds=1", 300, 5, 1, 1, 8,
     "-",
     "d726ae039965c5c35ef7fdf84113d82d9ae76d1f45a0e350d76a9221ce785964"},
    {"latin", 0, "rounds=1", 7, 300, 1, 1, 8,
     "-",
     "ba553f19a7285e512ddb5e6922e6d273ec2dbf77d286b5f4eda5b36c1281442c"},
    {"latin", 0, "rounds=1", 100, 90, 1, 3, 8,
     "-",
     "f942c35816f17baf7d0c2d2d7db4762bbce628c750d646eaba75619a75595ebd"},
    {"latin", 0, "rounds=1", 96, 80, 1, 3, 16,
     "-",
     "b9681796d1bc161a7d449d69fcc2d1711df861e596d85227569414a0a99e24c8"},
    {"latin", 0, "rounds=1", 1, 7, 1, 1, 8,
     "-",
     "a9dfdc2448ad4c2882e10f59e4078d366dcc9df4902879bcfe31adcfea01fb08"},
    {"latin", 0, "rounds=1", 7, 1, 1, 1, 16,
     "-",
     "ef31524148bd85def0c66af865c894f0d281c9afe185993e519538a7fbbf27bc"},
    {"latin", 0, "rounds=1", 1, 1, 1, 1, 8,
     "-",
     "5b279c19ca594f9b2ef0329f298129cfd4b7147ff27a6486b14410e5cc50b1a6"},
    {"latin", 0, "rounds=2", 64, 48, 1, 1, 8,
     "-",
     "a87bc97436bc1e2f37a190c3adf221a1a97e03be4f3b4aad7c83cf3e4d3e1f43"},
    {"latin", 0, "rounds=2", 64, 64, 1, 1, 16,
     "-",
     "5f3b048652a0addedd1002901bcbc841fe25e5b72edd56a64543fc6507dd622c"},
    {"latin", 0, "rounds=2", 37, 23, 1, 3, 8,
     "-",
     "6eccde67e4581669b9618fc315d033309b954c607cb7975388ce7b57beea5322"},
    {"latin", 0, "rounds=2", 19, 13, 2, 3, 16,
     "-",
     "35cc54af01b0aec45f3299a234bc8ef8bdd6830190c75fa26255722a39087e87"},
    {"latin", 0, "rounds=2", 20, 16, 3, 1, 8,
     "-",
     "f1b85265e61ebd371c827b95a4ed7a02d3c1707780b3a24b0372e0a258e05ce6"},
    {"latin", 0, "rounds=2", 300, 5, 1, 1, 8,
     "-",
     "62b0083b8a022450792a36dcf2bb2a9779f6fc4cdf73fade4aca517bdb7221a5"},
    {"latin", 0, "rounds=2", 7, 300, 1, 1, 8,
     "-",
     "092540c4ec8554e174b9bba4ee0c4b5282626342e47816553577fe43030d42cd"},
    {"latin", 0, "rounds=2", 100, 90, 1, 3, 8,
     "-",
     "240ca4c82f7099a1cb73573c5d45053f51c279f7bbe8cf8ba92b9c432d756ee7"},
    {"latin", 0, "rounds=2", 96, 80, 1, 3, 16,
     "-",
     "e2e3b9e4fbffc09226c6539000b72bb7142d8ad29dfc5ea3ba1b5adaf6cd8bd1"},
    {"latin", 0, "rounds=2", 1, 7, 1, 1, 8,
     "-",
     "027950ac8d5663003438375dbcde3fb35a3a764b1039ab6352f74ebb3c44b12d"},
    {"latin", 0, "rounds=2", 7, 1, 1, 1, 16,
     "-",
     "cbec96c65f80f53f932204ba92e491f7404498983bdf12d48f0a4eb11d8f3c0f"},
    {"latin", 0, "rounds=2", 1, 1, 1, 1, 8,
     "-",
     "da223b09967c5bd2110743307e0af6d39f61720aa7218a640a08eed12dd575c7"},
    {"latin", 0, "rounds=3", 64, 48, 1, 1, 8,
     "-",
     "2697cdd66ea62ccda9a2658b7617ce86d661936bf7a71cc71bee393e170dd0ec"},
    {"latin", 0, "rounds=3", 64, 64, 1, 1, 16,
     "-",
     "7299c2405a5ef14c3e013c70b4ebd3b1c3b9b988949d0fbdbfd8273103c4b9a8"},
    {"latin", 0, "rounds=3", 37, 23, 1, 3, 8,
     "-",
     "6d2cccacfaee463d8f22efa1684ef50190ea588c7c4c62fbe09c7911e4fa3431"},
    {"latin", 0, "rounds=3", 19, 13, 2, 3, 16,
     "-",
     "73702d470032a22587a76ba3e99fc426af65c571c4b7250d0520b4269f1d505d"},
    {"latin", 0, "rounds=3", 20, 16, 3, 1, 8,
     "-",
     "a0e06fd581542ce2b2bba6921b1fc32381ef8418a4583b867238a86316013fb0"},
    {"latin", 0, "rounds=3", 300, 5, 1, 1, 8,
     "-",
     "70d44d3ac71ad760d551678adaf1cebeee9cd3b553c94afa4ce195fa2b3fbffd"},
    {"latin", 0, "rounds=3", 7, 300, 1, 1, 8,
     "-",
     "7ec6457bdde7a72f656f20915a76b12b8e7272ecdd1464946b92d28dcc5fe2ba"},
    {"latin", 0, "rounds=3", 100, 90, 1, 3, 8,
     "-",
     "34a570bcc8470325136a96c2077d4e9fcc62eaf1df34e4d399adf70dbf998bae"},
    {"latin", 0, "rounds=3", 96, 80, 1, 3, 16,
     "-",
     "b928a146331d2648b14d9d08f39a8ac0086392e3c7d9ef0a4cc9f4d2c4418182"},
    {"latin", 0, "rounds=3", 1, 7, 1, 1, 8,
     "-",
     "fe48e8ea5af25915cd0accedaeeb27c6ca1fc25b5aa7796dbf7b47b368ae24b2"},
    {"latin", 0, "rounds=3", 7, 1, 1, 1, 16,
     "-",
     "3a94c45e58ba1b251f314e247985c393cc86604430169dfd3394584a63ce9142"},
    {"latin", 0, "rounds=3", 1, 1, 1, 1, 8,
     "-",
     "b4638eee43acde5cb7d34efbe7a22be065823b1873a72e3eba68cc8e2942c664"},
    {"latin", 0, "rounds=8", 64, 48, 1, 1, 8,
     "-",
     "579c5fbfe8e4d878f93c299dc7a3dce77a5b13175c56ba980f7b2b265ed86977"},
    {"latin", 0, "rounds=8", 64, 64, 1, 1, 16,
     "-",
     "d1aa50365c8b66f43b9b1fb3551372745b62dc4f2de865d48450207d313c2b65"},
    {"latin", 0, "rounds=8", 37, 23, 1, 3, 8,
     "-",
     "2c8ee0a876feb7bfb9978437c08c40ca3da65baa4b3d7d11cfb51176a109603b"},
    {"latin", 0, "rounds=8", 19, 13, 2, 3, 16,
     "-",
     "b11f93638efd163d2c97f1927fc816c0a503d9f062f1a3ace95fa34992ec2445"},
    {"latin", 0, "rounds=8", 20, 16, 3, 1, 8,
     "-",
     "c464ae184dabf0742bcea3871f05e05eb0fcc83b09957049f41ad6f09b92da9c"},
    {"latin", 0, "rounds=8", 300, 5, 1, 1, 8,
     "-",
     "d3df62a2c7a01838cd4a72d98f064ecafb312b5bf826da326e6e81320b6fde64"},
    {"latin", 0, "rounds=8", 7, 300, 1, 1, 8,
     "-",
     "afb75b34ab042c31114c1d9722ba05c4e0da868ded35d59368f7e225fe92bd7b"},
    {"latin", 0, "rounds=8", 100, 90, 1, 3, 8,
     "-",
     "d13d85253e1f6fc74894c08f393993a6eb34739b5be25543111cf0dfb4bb0b26"},
    {"latin", 0, "rounds=8", 96, 80, 1, 3, 16,
     "-",
     "a481064636d6af10d0e6b635cc5666c1ba7971788d015aec07d7acb06ee493fc"},
    {"latin", 0, "rounds=8", 1, 7, 1, 1, 8,
     "-",
     "98826f94feff85bdbe7bf8597bb16a2502c47787f7b00038191f762fc7745c96"},
    {"latin", 0, "rounds=8", 7, 1, 1, 1, 16,
     "-",
     "beab78b58a96859f0c0fafe911525103f06c5b0ff6593ed2a45a216c26521ee1"},
    {"latin", 0, "rounds=8", 1, 1, 1, 1, 8,
     "-",
     "cea407ca106dcf64533567062b841e472f32e4398220651540094a690046ddb1"},
    {"latin", 0, "rounds=8", 512, 512, 1, 1, 8,
     "-",
     "9c0452e9c4a45e750c806eba6b085621cca35bf6d48d35eca7de47c2ca794120"},
    {"latin", 0, "rounds=8", 512, 512, 1, 1, 16,
     "-",
     "ab6bf9e5d518e0bdb845c3cfe03d1588d7105b4d482091377a82a98b257ebc88"},
    {"latin", 1, "rounds=1", 64, 48, 1, 1, 8,
     "b4065dcd6b82e0b4c9876c8e8136aa4f9eb844a70320a9d37855fecd61bd5c58",
     "5aceeea64b28c2946cd7105296be38f78bd84d2be84f62547d03e2b60a3d94f1"},
    {"latin", 1, "rounds=1", 64, 64, 1, 1, 16,
     "0450b0d9acd1ca7928487ce53f35436c9f23009d02f44de6d0c42ed7f66188aa",
     "6a8d65af7983cd6a2597a03fe1c1b9f8919d2be98115379416d13984d90d41af"},
    {"latin", 1, "rounds=1", 37, 23, 1, 3, 8,
     "2054f561d6ce0662732dd0c6283898bc9f166f3f92abb1a35fec8b713b1d2dde",
     "d6629559ea7de21d8ff6452a25f23f4881920ad2446cd3f6c87f35dd88ca0e3a"},
    {"latin", 1, "rounds=1", 19, 13, 2, 3, 16,
     "900868e82b86572081d1f03a1b01788fabdb9aee33d2e621f3a3f243e507bad9",
     "d777d2ff43cb7f543e76fe3a1f89bff21c3c1d269f541bedb8f223f14b6ce018"},
    {"latin", 1, "rounds=1", 20, 16, 3, 1, 8,
     "c0bd4bf12c8ca5f3344a5ed2e0459f907173fb1004be70407767ee3745b8cf9c",
     "e78c48ff35eed6464eac1da95193ba10cc3c7edb0c683ad55f281152567e1a36"},
    {"latin", 1, "rounds=1", 300, 5, 1, 1, 8,
     "c4d7d6287a5f922359c663acfd9b9d741cd00b0b2eb5307835a35c17e2eacf20",
     "4a30a9b342e7c94c2db16ffc426b0e923b52422cac482565b1ce0e46508cd9f1"},
    {"latin", 1, "rounds=1", 7, 300, 1, 1, 8,
     "ab53354b18800a8569c1634b83ca1c803e3ebd07b1cd3a846290b1914b52de6b",
     "7e8dd75272e7a7dddb835099e12e05454d5ecfbd919c8d510524787bc647ec2f"},
    {"latin", 1, "rounds=1", 100, 90, 1, 3, 8,
     "afad7759e0fbff0567b6b3b71c2ceb21f59d71b2161d6a64dedbbdfb7075c636",
     "5abb8bd37efbbd6085547150afb5d63e26c2074f6e65106e8ef40a8d4c487cd6"},
    {"latin", 1, "rounds=1", 96, 80, 1, 3, 16,
     "1a77ebef7a90920584951f4560d79a776391aa0713d5c0e569a62cf9cd2abe16",
     "0e0e00910d6f59db607eaf207f1aeac759d65ccdf58f136b8458fae2f7b8b02b"},
    {"latin", 1, "rounds=1", 1, 7, 1, 1, 8,
     "af2b95fd81aaf7f49d046ea5e23a5db6f381872ff29517b53fb24f5b4cf0eaca",
     "b79b66d4e78e49c8c899a6185b8352c46b848332e0512e4c656eea3ea673d5f8"},
    {"latin", 1, "rounds=1", 7, 1, 1, 1, 16,
     "59160d8a0d4cdd3942b4b45960dd62ba405d022b5c560ee1e05ebf5294a1d19d",
     "03dabd2fc14826560c14d7b2d7bdd530469d73fa16a20f38d2de2d3459c340e1"},
    {"latin", 1, "rounds=1", 1, 1, 1, 1, 8,
     "0dc40a30b9b1cfd3512c552f2181fbc4711709140289ee709c2b6d8e2b5d9eac",
     "c780825056963a43424f8b700a9e6859f846977ca112ab7ab1c2ee8e90c01698"},
    {"latin", 1, "rounds=2", 64, 48, 1, 1, 8,
     "b8d2c502090cc0b4e7d0092824f2c47721622925d78f1470ac3d703f341c4561",
     "def95db34e0f5f20f92830fa0126a9cda3a643c2f8b41d58ca4df510ab6cefc7"},
    {"latin", 1, "rounds=2", 64, 64, 1, 1, 16,
     "6039981d99f5c394f3b644106f264bba3e42ec7b5a48770c27b4a1b87e033c75",
     "3cf324f0c8ea22ec58acf1f5b310bfa9af8f2ad666aaba664f3bb6fa7b25f6c8"},
    {"latin", 1, "rounds=2", 37, 23, 1, 3, 8,
     "c09384c202eb134fbb49a47bd6698515e62f7b8c3f6b01d632c672a79d71dde0",
     "7c112f861d6b9377cbc5e991357525ed37bb6e7c2a50fa4c0aa51a9054244548"},
    {"latin", 1, "rounds=2", 19, 13, 2, 3, 16,
     "a96248015e74fba57a83d2a7ba8c2b0fe0766570dd534d5bd91e584c6e4ef1c5",
     "2cb3ee5d9dc4fc6245fa1fa8520cc80b114c533bad572ee672854081daaf1a01"},
    {"latin", 1, "rounds=2", 20, 16, 3, 1, 8,
     "b7ab00b3e7d6962a27d2e3011ac000ca3c8978eae891f8538ae76a3a32abe530",
     "888574bd79b16806bb238e5ae4aa8e4fdc7d9f98e974f733c27524d3ab863687"},
    {"latin", 1, "rounds=2", 300, 5, 1, 1, 8,
     "4dd767ccd4b20f438c5d5823b0ccf8d11fb093ce4cb02d1d331dfa6102b4eb4b",
     "08f0998bb0ac82a1bb998b35b63efd471a331559af5fc7dd0efb2d8cd5ff2bc9"},
    {"latin", 1, "rounds=2", 7, 300, 1, 1, 8,
     "bfc51547e5315f20c685f92af5ec1c24d67a47fb323ac121d192d57a0130befa",
     "548aa9ffa57f25c7b006ca9d58e2111f12becdc9e46042ae13ea04421e5daf18"},
    {"latin", 1, "rounds=2", 100, 90, 1, 3, 8,
     "640273db2374cb98e30d4e9919923bab14dceedef4bdc4fb8dd67facea25aec3",
     "8a207a4af3dee309c19d449a46e33432d42361c4e931f74208ee6b1637b69cf8"},
    {"latin", 1, "rounds=2", 96, 80, 1, 3, 16,
     "8c8f247b9d43546ae6483a97c9d97b0229569ad597a912588e5396de76f98a2f",
     "a854bba25116162b32afdffab486bccc21bd35ee7ce89e8cd902944e48e4bdce"},
    {"latin", 1, "rounds=2", 1, 7, 1, 1, 8,
     "197604b61658cef1f56a67c35e9b34c1be9b7eb3510a5672248f376e2daa53fd",
     "491a3997b8cf0f68ce492f35b1f5420f7f1259ee2811c91e8eb7d904bb5923fe"},
    {"latin", 1, "rounds=2", 7, 1, 1, 1, 16,
     "3d3303fe0196033e4c0c1cf0d089adcaf539d65cc5fd420f741cc3886099118a",
     "5718c8da46aef7d5acad98d09bd72b468b4ac33ea773ae231b987099c4bb066a"},
    {"latin", 1, "rounds=2", 1, 1, 1, 1, 8,
     "39df024ac52722fe8ae4c1a8740e4c5624a38c3820e504a059aae8728421f8bd",
     "d31e47dec81e167dcb45996b101e0a32a71e8a082002baf8ee0a6924f04e78dd"},
    {"latin", 1, "rounds=3", 64, 48, 1, 1, 8,
     "31f153af92d938003b446ddb5000c789de6a403cd3babe8abf86954c5ac25e88",
     "0f2e762a617fd1d13ed6ffe180120b32bb4c0bde81ffead53eec1075f123a874"},
    {"latin", 1, "rounds=3", 64, 64, 1, 1, 16,
     "0a5d6af3adf7fb5c77fba64d2c9b726e0612825a2f1fdfad29db5678406a31b0",
     "9f9b4d0da0527e682d49b2b40105b9bd8cc0095537a1f85071aacc17d5cb2974"},
    {"latin", 1, "rounds=3", 37, 23, 1, 3, 8,
     "610aa0a1d0f2d3e31a8bebb7b2fe29056c038ef56952a8c48eac3bf522ac874b",
     "13fc4851461a85372aee88528a9adf861b90ccc1e971435245379f9640010119"},
    {"latin", 1, "rounds=3", 19, 13, 2, 3, 16,
     "4985849e9a565acd1609afde9010c8c58efebd55fa4b45cd88d0957a56cd2b27",
     "8f24c0cf363d0e4685b2fbdd2d5dc931b6347c3c5079cccbec5bc84f80dfbf09"},
    {"latin", 1, "rounds=3", 20, 16, 3, 1, 8,
     "1993eda6f0933cccea6bc289f223a422f80a6337e59abd342e7634b5367a6987",
     "db0087446f99a5f49db13aad215779e6f15693c16971adef8968f537015dce67"},
    {"latin", 1, "rounds=3", 300, 5, 1, 1, 8,
     "4686d40a76d26f4f57419c9a1e5282f0195a1e81bcc5a4d29f6aae2b04ee5ce0",
     "d23e1c79d6c2d5d1af8256a3357df763d0f0e74573ce0a6815bef5031f9d849e"},
    {"latin", 1, "rounds=3", 7, 300, 1, 1, 8,
     "0721228951700d480aae686e638600857689a62b6854f0514d96422fd17c8156",
     "c707c6df276d97c14d2af9fa550ca76c69f06ceb1669348935f4bd6dd61315fc"},
    {"latin", 1, "rounds=3", 100, 90, 1, 3, 8,
     "42694686749509f7fb36b57c1e2edbb49b60eabd1a0dbf678f889d7d9a73796e",
     "cf3c6bb73865639b114471b94d9203007fb43aacbf73a6e7dff397ca271d6dfb"},
    {"latin", 1, "rounds=3", 96, 80, 1, 3, 16,
     "2bc2081e7387a0b3ce6d04f631c648633a71ff1df9b76211063a0d3efc843f7c",
     "e631795372a4dc4875c1305da6ae07a9daecba40fa3e67e0a49954fb891d4681"},
    {"latin", 1, "rounds=3", 1, 7, 1, 1, 8,
     "2927683b870c4d504748831d20fe9ecd9bc25f5842b1bd9cb063139964337054",
     "2d91e994b6dcdbc6eab77fb47922fd257f72b83525c33e048f421a9cc16538d4"},
    {"latin", 1, "rounds=3", 7, 1, 1, 1, 16,
     "e09d2cff70dfdddbf73eae2215a586f03aa6ab7fbd64a11f51ec8b4e827816b7",
     "af8e689184c1a10762f40fa64cfb7346a1cca2770127ec45151b137be7070d4b"},
    {"latin", 1, "rounds=3", 1, 1, 1, 1, 8,
     "02fa46f86e9a3c02a6ce0e9de28a01316246e9f11c42f5b35c745fa8681a695d",
     "4c54f47d69e097eed691c686ac18444a10d4abe934c311d0fffba9a3928f9e71"},
    {"latin", 1, "rounds=8", 64, 48, 1, 1, 8,
     "fcb5a2bf13c9fbefdd517cc03da9c0183f378a740d571a0ed21085d2b826277c",
     "5a085d5506e814bd2f7d181b9e086b8fdf504e93a2d78ada1a95a7f1fec80c40"},
    {"latin", 1, "rounds=8", 64, 64, 1, 1, 16,
     "c1c9907363d878293e58a5e6873a9514ab2f737de2fa36acf9b94230c53d9069",
     "0ec85a2c52b7c7288e2ece95d479362e88cff24febe2c48eac759bcb2bdabb21"},
    {"latin", 1, "rounds=8", 37, 23, 1, 3, 8,
     "ea7a4030f1e7779502e52254c40e155b7c28162fc1297658fe38b7147caa2414",
     "04168fabbd484ccf740c42d59b3f80ff1e621128497b58225db3c339e35fd090"},
    {"latin", 1, "rounds=8", 19, 13, 2, 3, 16,
     "9d78818a026d575251cb3ef956d0c8b45303b20abfe3ca057a8e11e16520ae21",
     "713b7091f11754ce0f6f8d0d4991f099cb2a7832f50b40a25b8c836de04bec03"},
    {"latin", 1, "rounds=8", 20, 16, 3, 1, 8,
     "08a4129e0c76ded9ebaa857726b58485d44a2d1fb8d5e25798644556cb33a37a",
     "7a9253f0f6154345f51579cd3adf2815f487f709f2d56b211491ab7f425112ab"},
    {"latin", 1, "rounds=8", 300, 5, 1, 1, 8,
     "5eff77f16f566b060103698c7702d3594d769198cd9d2636ebf2acb88690594e",
     "ef0e20f687657958ed50c228187da7b22d96aeed450daca3700a75c57456d0a8"},
    {"latin", 1, "rounds=8", 7, 300, 1, 1, 8,
     "3fe1a4f0f858128f9331d007ad705e469ef3737161962c48c2e2976082d7be8d",
     "fb80718810ba1b4995094b287b26bdbe40774f7869331dea5e200cdd6cee3b80"},
    {"latin", 1, "rounds=8", 100, 90, 1, 3, 8,
     "a55d80afe1c1ae00243e1515fef44b2de5c4b39642057e2e5109f4cd9013fb02",
     "dfd25ff2ff1c505378c7c50980ea28e1c6cacd09540815fdd1b976109971e2ed"},
    {"latin", 1, "rounds=8", 96, 80, 1, 3, 16,
     "335c4ad38015d37f4ca98baa0f9630b53bc6f498787b7b003acf7d4fc071d759",
     "d764d06925959f52492a3f2f44b34ddd45d0c5c155d1b879156f92815917ac63"},
    {"latin", 1, "rounds=8", 1, 7, 1, 1, 8,
     "709b7e2aff5bdcd36ab388e5273df93d7e338b209be88036f4ea6396a74064b9",
     "2aa4a41245e6e344294aa52de4cb31b5e94b29341599bab505ba9a34f88e662a"},
    {"latin", 1, "rounds=8", 7, 1, 1, 1, 16,
     "1f3925b8213345185660f99af299fc050132ebe66d84bd4f3ab1f4ea45dccf75",
     "ad7f995e3ccaa8b64bda3607700d907ecb924371a5b2974e2f44d18f0a6500d3"},
    {"latin", 1, "rounds=8", 1, 1, 1, 1, 8,
     "989daefcf11316b680c671c03e564cc43c2694572bc81d32b78a3b20599164f3",
     "86ae9bcbf96d4390b0b1736091396a3971bc0aaf9d320a8edbff9bc8cabcb1a9"},
    {"latin", 1, "rounds=8", 512, 512, 1, 1, 8,
     "cc04ecc78d8978c8d717c65029c973a25d8fc382e2ad0bfd0250f1d3d27252a3",
     "fa2eb65c8dc76f1022c85a9d9dc3055255447716b5c22a06cd13fe89516986c3"},
    {"latin", 1, "rounds=8", 512, 512, 1, 1, 16,
     "e2de9dc8345ea893b3f98f32daffe4f75ebb97fc2448d64d5b9448cd92757c64",
     "36ee75606067ef472d99eecf9c3bc8897446b3d4f7d6d4fdd06bdb18afce4ddb"},
};
/* clang-format on */

/* Deterministic content, independent of any other test: xorshift32 seeded by
 * the case's geometry, so a case's image never depends on the order of cases. */
static void fill(mc_image *img, uint32_t seed) {
    uint32_t x = seed * 2654435761u + 0x9E3779B9u;
    size_t n = mc_image_samples(img);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        if (img->bits == 8) ((uint8_t *)img->pixels)[i] = (uint8_t)(x >> 24);
        else ((uint16_t *)img->pixels)[i] = (uint16_t)(x >> 16);
    }
}

static void digest_hex(const mc_image *img, char out[65]) {
    uint8_t h[32];
    uint8_t *le = malloc(img->nbytes ? img->nbytes : 1);
    assert_non_null(le);
    memcpy(le, img->pixels, img->nbytes);
    if (img->bits == 16) mc_swap16_le(le, img->nbytes);
    crypto_generichash(h, sizeof h, le, img->nbytes, NULL, 0);
    free(le);
    mc_hex_encode(out, h, sizeof h);
}

static const mc_image *g_key8, *g_key16;

/* Set the p.* parameters of a case in m; a key image goes to *ki (the
 * scheme records its id in p.key-image). */
static void set_params(mc_meta *m, const char *params, const mc_image **ki) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", params);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        assert_non_null(eq);
        *eq = 0;
        char k[MC_META_KEY_MAX];
        snprintf(k, sizeof k, "p.%s", tok);
        const char *v = eq + 1;
        if (!strcmp(v, "@KEY8") || !strcmp(v, "@KEY16")) {
            *ki = !strcmp(v, "@KEY8") ? g_key8 : g_key16;
            continue;
        }
        assert_int_equal(mc_meta_set(m, k, v), MC_OK);
    }
}

static mc_image *case_image(const gcase *c) {
    mc_image *img = NULL;
    assert_int_equal(mc_image_new(&img, c->w, c->h, c->d, c->ch, c->bits, 0, NULL, NULL), MC_OK);
    fill(img, c->w * 1000003u + c->h * 10007u + c->d * 101u + c->ch * 11u + c->bits);
    return img;
}

static void test_golden(void **st) {
    (void)st;
    static const uint8_t subkey[32] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                                       0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a,
                                       0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0};
    static const uint8_t nonce[MC_NONCE_BYTES] = {'m', 'e', 'd', 'c', 'r', 'y', 'p', 't', '-', 'g', 'o', 'l',
                                                  'd', 'e', 'n', '-', 'n', 'o', 'n', 'c', 'e', '-', '0', '1'};
    int print = getenv("MC_GOLDEN_PRINT") != NULL;
    /* key images: one slice, one channel, 29 x 17 (the key-image cases' size);
     * until medcrypt 0.2 they were files named by the parameter, now the
     * caller gives them (mc_opts.key_image): the same samples, the same cipher */
    mc_image *k8 = NULL, *k16 = NULL;
    assert_int_equal(mc_image_new(&k8, 29, 17, 1, 1, 8, 0, NULL, NULL), MC_OK);
    assert_int_equal(mc_image_new(&k16, 29, 17, 1, 1, 16, 0, NULL, NULL), MC_OK);
    fill(k8, 8);
    fill(k16, 16);
    g_key8 = k8;
    g_key16 = k16;
    mc_meta *m = malloc(sizeof *m);
    assert_non_null(m);
    size_t failures = 0;
    for (size_t i = 0; i < sizeof k_cases / sizeof k_cases[0]; i++) {
        const gcase *c = &k_cases[i];
        const mc_scheme *s = mc_scheme_find(c->scheme);
        assert_non_null(s);
        mc_meta_clear(m);
        const mc_image *ki = NULL;
        set_params(m, c->params, &ki);
        const mc_opts opts = {.key_image = ki};
        mc_scheme_ctx ctx = {subkey, c->hardened ? nonce : NULL,
                             c->hardened ? MC_PROFILE_HARDENED : MC_PROFILE_PAPER, m, &opts};
        mc_err err = {0};
        char enc[65], dec[65];
        /* encrypt, then the round trip */
        mc_image *plain = case_image(c), *img = case_image(c);
        if (s->encrypt(&ctx, img, &err)) fail_msg("case %zu (%s): encrypt: %s", i, c->scheme, err.msg);
        digest_hex(img, enc);
        if (s->decrypt(&ctx, img, &err)) fail_msg("case %zu (%s): decrypt: %s", i, c->scheme, err.msg);
        int lossy = !c->hardened && (s->flags & MC_SCHEME_PAPER_LOSSY);
        if (!lossy) assert_memory_equal(img->pixels, plain->pixels, plain->nbytes);
        else {
            size_t n = mc_image_samples(plain);
            for (size_t k = 0; k < n; k++) { /* latin paper: exact but for the LSB plane */
                unsigned a = c->bits == 8 ? ((uint8_t *)img->pixels)[k] : ((uint16_t *)img->pixels)[k];
                unsigned b = c->bits == 8 ? ((uint8_t *)plain->pixels)[k] : ((uint16_t *)plain->pixels)[k];
                assert_int_equal(a >> 1, b >> 1);
            }
        }
        /* the plain image taken as a cipher (meta as left by encrypt: the key image's id) */
        memcpy(img->pixels, plain->pixels, plain->nbytes);
        if (s->decrypt(&ctx, img, &err)) fail_msg("case %zu (%s): decrypt: %s", i, c->scheme, err.msg);
        digest_hex(img, dec);
        mc_image_free(img);
        mc_image_free(plain);
        if (print) {
            printf("    {\"%s\", %d, \"%s\", %u, %u, %u, %u, %u,\n     \"%s\",\n     \"%s\"},\n", c->scheme,
                   c->hardened, c->params, c->w, c->h, c->d, c->ch, c->bits, lossy ? "-" : enc, dec);
            continue;
        }
        if ((!lossy && strcmp(enc, c->enc)) || strcmp(dec, c->dec)) {
            fprintf(stderr, "golden case %zu: %s %s [%s] %ux%ux%u ch%u %u-bit:\n  enc %s (want %s)\n  dec %s (want %s)\n",
                    i, c->scheme, c->hardened ? "hardened" : "paper", c->params, c->w, c->h, c->d, c->ch, c->bits,
                    enc, c->enc, dec, c->dec);
            failures++;
        }
    }
    free(m);
    mc_image_free(k8);
    mc_image_free(k16);
    mc_test_tmpdir_cleanup();
    assert_int_equal(failures, 0);
}

int main(void) {
    if (mc_init()) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
