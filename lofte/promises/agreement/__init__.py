"""The partnership's samverkansöverenskommelse: the agreement with Brå's parts, the people who signed it for the
parties, and the PDFs kept with it. Its pages are under /samverkan/<slug>/loften/overenskommelse/, namespace
`loften`; the medborgarlöften under it are lofte.promises.lofte."""
