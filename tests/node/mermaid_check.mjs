// Parses flowcharts with the real Mermaid parser (the npm `mermaid` package, run under
// jsdom as a browser would) and checks that each one has exactly the nodes, labels,
// classes and edges expected: a hostile label must neither break the parse nor change
// the diagram's structure.
//
// usage: node mermaid_check.mjs CASES.json
//   CASES.json: [{"name": "...", "mermaid": "flowchart TD\n...",
//                 "nodes": [{"id": "n1", "text": "label<br>08:00", "class": "change",
//                            "shape": "hexagon"}],
//                 "edges": [{"from": "n1", "to": "n2", "text": ""}]}]
// Prints one line per case and "N passed, N failed"; exit 1 on any failure, 77 when
// mermaid or jsdom is not installed (npm ci in tests/node).
import { readFileSync } from 'node:fs';

let JSDOM, mermaid;
try {
	({ JSDOM } = await import('jsdom'));
	const dom = new JSDOM('<!DOCTYPE html><body></body>');
	// DOMPurify, which Mermaid sanitises labels with, binds to the window it finds when
	// it is first loaded: the window must exist before mermaid is imported.
	globalThis.window = dom.window;
	globalThis.document = dom.window.document;
	({ default: mermaid } = await import('mermaid'));
} catch (e) {
	console.log('mermaid/jsdom not installed (npm ci in tests/node): ' + e.message);
	process.exit(77);
}
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

// Mermaid keeps entity codes encoded after parsing (ﬂ°°35¶ß for #35;, ﬂ°quot¶ß for
// #quot;) and decodes them when it draws: do the same to compare with the intended text.
const named = { quot: '"', amp: '&', lt: '<', gt: '>', nbsp: '\u00a0' };
function decode(t) {
	return String(t)
		.replace(/ﬂ°°(\d+)¶ß/g, (_, n) => String.fromCodePoint(Number(n)))
		.replace(/ﬂ°(\w+)¶ß/g, (_, n) => (n in named ? named[n] : '&' + n + ';'));
}

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let passed = 0, failed = 0;
for (const c of cases) {
	const problems = [];
	try {
		const ok = await mermaid.parse(c.mermaid);
		if (!ok || ok.diagramType !== 'flowchart-v2')
			problems.push('parsed as ' + JSON.stringify(ok));
		const d = await mermaid.mermaidAPI.getDiagramFromText(c.mermaid);
		const verts = d.db.getVertices();
		const ids = [...verts.keys()];
		const want = c.nodes.map((n) => n.id);
		if (JSON.stringify(ids) !== JSON.stringify(want))
			problems.push('node ids ' + JSON.stringify(ids) + ', expected ' + JSON.stringify(want));
		for (const n of c.nodes) {
			const v = verts.get(n.id);
			if (!v) continue;
			const got = decode(v.text).replace(/<br\s*\/?>/g, '<br>');
			if (got !== n.text)
				problems.push(n.id + ' text ' + JSON.stringify(got) + ', expected ' + JSON.stringify(n.text));
			if (n.class && JSON.stringify(v.classes) !== JSON.stringify([n.class]))
				problems.push(n.id + ' classes ' + JSON.stringify(v.classes));
			if (n.shape && v.type !== n.shape)
				problems.push(n.id + ' shape ' + v.type + ', expected ' + n.shape);
		}
		const edges = d.db.getEdges().map((e) => ({ from: e.start, to: e.end, text: decode(e.text || '') }));
		if (JSON.stringify(edges) !== JSON.stringify(c.edges))
			problems.push('edges ' + JSON.stringify(edges) + ', expected ' + JSON.stringify(c.edges));
	} catch (e) {
		problems.push('parse error: ' + String(e.message || e).slice(0, 300));
	}
	if (problems.length) {
		failed++;
		console.log('FAIL ' + c.name + ': ' + problems.join('; '));
	} else {
		passed++;
		console.log('ok   ' + c.name);
	}
}
console.log(passed + ' passed, ' + failed + ' failed');
process.exit(failed ? 1 : 0);
