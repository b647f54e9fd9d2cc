import { RE2JS } from 're2js';
import { installRegexEngine } from './regex';

// Imported for its effect by code that checks expressions synchronously (synth, the CLI's dry runs):
// the RE2 engine, there at once. Handlers load it on demand instead (loadRegexEngine).
installRegexEngine(RE2JS);
